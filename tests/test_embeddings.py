"""The sentence embeddings load from the wordllama wheel with no network, and mean something."""

import socket

import numpy as np
import pytest

from annotations import embeddings, fusion


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to open a connection fails loudly (and is recorded)."""
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError(f"network blocked in this test: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))
    return attempts


def test_the_model_loads_from_the_package_folder_without_any_connection(no_network):
    embeddings._model.cache_clear()
    vectors = embeddings.embed(
        [
            "about 1,500 troops are involved",
            "Roughly fifteen hundred soldiers take part",
            "The weather was sunny in Bamako",
        ]
    )
    assert no_network == []
    assert vectors.shape == (3, embeddings.DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    similarity = vectors @ vectors.T
    # The paraphrase scores far above the unrelated sentence (the 0.49 against 0.02).
    assert similarity[0, 1] > 0.4
    assert similarity[0, 2] < 0.1


def test_vectors_survive_their_stored_form():
    vectors = embeddings.embed(["Mali left the G5 Sahel.", ""])
    assert not vectors[1].any()  # an empty text is a zero vector, never NaN
    stored = [embeddings.to_bytes(vector) for vector in vectors]
    assert np.array_equal(embeddings.from_bytes(stored), vectors)


def test_reciprocal_rank_fusion_rewards_what_both_rankings_find():
    lexical = [(1, 9.0), (2, 5.0), (3, 1.0)]
    semantic = [(3, 0.9), (2, 0.8), (4, 0.1)]
    fused = fusion.reciprocal_rank([lexical, semantic], k=60)
    assert {item for item, _score in fused[:2]} == {2, 3}  # each found by both
    assert fusion.reciprocal_rank([lexical, semantic], weights=[0, 1], k=60)[0][0] == 3


def test_weighted_and_rescored_fusions_scale_each_half():
    assert fusion.weighted([[(1, 10.0), (2, 0.0)], [(2, 1.0)]], weights=[1, 2])[0] == (2, 2.0)
    fused = fusion.rescored(lexical={1: 0.5}, cosine={1: 0.2, 2: 0.6}, weight=1.0)
    assert fused == [(1, 0.7), (2, 0.6)]


def test_rescored_fusion_leaves_out_claims_without_evidence_and_demotes_contradicted_ones():
    lexical = {1: 0.5}
    cosine = {1: 0.1, 2: 0.6, 3: 0.19, 4: 0.5}
    fused = dict(
        fusion.rescored(
            lexical=lexical, cosine=cosine, weight=1.0, floor=0.2, demoted={4}, demotion=0.5
        )
    )
    assert set(fused) == {1, 2, 4}  # 3: no shared word and a cosine under the floor
    assert fused[1] == pytest.approx(0.6)  # a lexical hit enters whatever its cosine
    assert fused[4] == pytest.approx(0.25)  # numbers that contradict: half its score
    negative = fusion.rescored(
        lexical={5: 0.1}, cosine={5: -0.4}, weight=1.0, demoted={5}, demotion=0.5
    )
    assert negative[0][1] == pytest.approx(-0.45)  # a demotion lowers a negative score too


def test_sign_codes_put_near_vectors_at_a_small_hamming_distance():
    vectors = embeddings.embed(
        [
            "About 1,500 troops are involved.",
            "Roughly fifteen hundred soldiers take part.",
            "The weather in Bamako was sunny on Monday.",
        ]
    )
    codes = embeddings.signs(vectors)
    assert codes.shape == (3, embeddings.DIMENSIONS // 64)
    distances = embeddings.hamming(codes, codes[0])
    assert distances[0] == 0
    assert distances[1] < distances[2]  # the paraphrase is nearer than the unrelated claim
    assert embeddings.hamming(embeddings.signs(-vectors[:1]), codes[0])[0] == 256
