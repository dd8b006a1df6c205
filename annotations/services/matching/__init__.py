"""Claim matching and clusters: the index of claims (``indexing``) and links and clusters
(``clusters``). Callers import from this package, not from the modules."""

from annotations.services.matching.clusters import (
    CANONICAL_NOT_MEMBER,
    LINK_NOT_A_CLAIM,
    LINK_STATUS_INVALID,
    LINK_TO_ITSELF,
    SUGGEST_PER_CLAIM,
    SUGGEST_SIMILARITY,
    VERDICT_TOO_LONG,
    claim_cluster_update,
    claim_link_decide,
    claim_link_set,
    claim_links_suggest,
    clusters_refresh,
)
from annotations.services.matching.indexing import (
    SyncReport,
    claim_index_refresh,
    claim_index_sync,
    claims_changed,
    index_touched,
    is_indexed,
    set_enqueuer,
)

__all__ = [
    "CANONICAL_NOT_MEMBER",
    "LINK_NOT_A_CLAIM",
    "LINK_STATUS_INVALID",
    "LINK_TO_ITSELF",
    "SUGGEST_PER_CLAIM",
    "SUGGEST_SIMILARITY",
    "VERDICT_TOO_LONG",
    "SyncReport",
    "claim_cluster_update",
    "claim_index_refresh",
    "claim_index_sync",
    "claim_link_decide",
    "claim_link_set",
    "claim_links_suggest",
    "claims_changed",
    "clusters_refresh",
    "index_touched",
    "is_indexed",
    "set_enqueuer",
]
