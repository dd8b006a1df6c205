"""What the serving entry points do before they serve."""

from django.urls import clear_url_caches, get_resolver

from workbench.startup import import_views


def test_import_views_loads_the_urlconf_before_the_first_request():
    # Django loads it lazily: without this, a worker's first request (a user's first export
    # after a restart) waited 0.5-1.3 s for every view module to be imported.
    clear_url_caches()
    assert "url_patterns" not in vars(get_resolver())

    import_views()

    assert "url_patterns" in vars(get_resolver())
    assert get_resolver().resolve("/api/projects/1/export/").url_name == "api-export"
