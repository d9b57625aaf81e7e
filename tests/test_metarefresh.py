"""A meta refresh to a target the audit never follows is read by siteaudit itself: w3lib 2.6 and later
return no refresh at all for a non-web target, so LNK005 would go silent (the hostile crawl test runs it end
to end)."""
import pytest

from crawler.middlewares.metarefresh import refused_refresh


@pytest.mark.parametrize("html, expected", [
    ("<head><meta http-equiv='refresh' content='0;url=javascript:alert(1)'></head>", (0.0, "javascript:alert(1)")),
    ('<meta content="5; URL=data:text/html,x" http-equiv="Refresh">', (5.0, "data:text/html,x")),
    ("<meta http-equiv=refresh content='1;url=file:///etc/passwd'>", (1.0, "file:///etc/passwd")),
])
def test_a_refresh_to_a_non_web_target_is_read(html, expected):
    assert refused_refresh(html) == expected


@pytest.mark.parametrize("html", [
    '<meta http-equiv=refresh content="0;url=/next.html">',        # relative: w3lib reads it
    '<meta http-equiv=refresh content="0;url=https://a.test/">',   # a web target
    '<meta name="description" content="0;url=javascript:alert(1)">',  # not a refresh
    "<p>no meta at all</p>",
])
def test_other_tags_and_web_targets_are_left_to_w3lib(html):
    assert refused_refresh(html) == (None, None)
