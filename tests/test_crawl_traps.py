"""Traps end by evidence (crawler/traps.py); a catalogue never does; the frontier's depth and coverage."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from crawler.spiders.frontier import Frontier
from crawler.traps import STREAK, TrapGuard, is_search, repeated_segment, text_blocks, url_date
from crawler.urls import normalize_url, session_params, stripped_params

TODAY = date(2026, 12, 6)
H = "http://www.x.cn"
NAV = "<div><a href='/'>首页</a> 产品中心 新闻动态 关于我们 联系我们</div><div>某某公司 版权所有 京ICP备12345678号</div>"


def _page(body: str) -> str:
    return f"<html><head><title>t</title></head><body>{NAV}{body}</body></html>"


def _guard() -> TrapGuard:
    guard = TrapGuard(today=TODAY)
    guard.learn_template("www.x.cn", _page("<p>欢迎光临</p>"))
    return guard


def _observe(guard, url, body, links=frozenset(), grows=True, chained=True, same_path=False):
    own = guard.own_text("www.x.cn", _page(body))
    return guard.observe(url, guard.signature(own), links, grows=grows, chained=chained, same_path=same_path,
                         empty=guard.says_empty(own))


def test_an_empty_calendar_ends_after_a_streak_of_repeats():
    guard = _guard()
    results = [_observe(guard, f"{H}/events?month=2027-{m:02d}", f"<h1>2027年{m}月</h1><p>1 2 3 … 30</p><p>本月暂无活动。</p>")
               for m in range(1, 8)]
    ended = [i for i, r in enumerate(results) if r is not None]
    assert ended == [STREAK]   # the first month, then STREAK repeats
    report = results[STREAK]
    assert report.kind == "near_duplicate" and report.pattern == "www.x.cn/events?month"
    assert "2027-01" in report.evidence
    # what is still queued or linked is now refused, and counted by whoever skips it
    assert guard.is_trap(f"{H}/events?month=2027-09")
    assert guard.refuse(f"{H}/events?month=2028-01", f"{H}/events?month=2027-12") is report
    assert report.skipped == 1


def test_a_catalogue_never_ends_however_many_pages():
    guard = _guard()
    for n in range(1, 400):
        # product pages: their own words, reached from the lists (not chained), some linking on to related ones
        assert _observe(guard, f"{H}/product/{n}.html", f"<p>型号 KT-{n}</p><p>{_words(n)}</p>",
                        grows=True, chained=n % 3 == 0) is None
    for n in range(1, 80):
        # list pages are chained (next page) and alike in text, but each links to other products
        links = frozenset(hash(f"{H}/product/{m}.html") for m in range(n * 20, n * 20 + 20))
        assert _observe(guard, f"{H}/product/list?page={n}", "<ul>" + "".join(
            f"<li>KT-{m}</li>" for m in range(n * 20, n * 20 + 20)) + "</ul>", links) is None
    assert not guard.traps()


def test_paging_past_the_end_ends_but_pages_already_read_stay():
    guard = _guard()
    for n in range(1, 11):
        links = frozenset(hash(f"{H}/case/{m}") for m in range(n * 10, n * 10 + 10))
        assert _observe(guard, f"{H}/cases/list?page={n}", f"<p>案例 第{n}页</p>", links) is None
    past = [_observe(guard, f"{H}/cases/list?page={n}", f"<p>案例 第{n}页</p><p>暂无案例。</p>") for n in range(11, 20)]
    assert past.index(next(r for r in past if r)) == STREAK


def test_repeats_that_lead_nowhere_new_do_not_end_a_pattern():
    guard = _guard()
    for n in range(1, 20):   # identical pages, but none links on within its pattern, or none was reached so
        assert _observe(guard, f"{H}/tag/{n}.html", "<p>同一段文字</p>", grows=False) is None
        assert _observe(guard, f"{H}/tip/{n}.html", "<p>同一段文字</p>", chained=False) is None


def test_filter_orders_of_the_same_items_end_across_their_patterns():
    guard = _guard()
    items = [f"<li>KT-{m} 不锈钢球阀</li>" for m in range(1, 13)]
    links = frozenset(hash(f"{H}/product/{m}.html") for m in range(1, 13))
    good = _observe(guard, f"{H}/product/list?page=1", "<ul>" + "".join(items) + "</ul>", links, same_path=True)
    assert good is None
    found = None
    combos = [f"color={c}&sort={s}" for c in ("red", "blue", "black") for s in ("price", "name")]
    for i, query in enumerate(combos):
        shuffled = items[i:] + items[:i]
        found = found or _observe(guard, f"{H}/product/list?{query}", "<ul>" + "".join(shuffled) + "</ul>",
                                  links, same_path=True, chained=False)
    assert found is not None and found.kind == "facets"
    assert guard.is_trap(f"{H}/product/list?color=white&size=l")
    assert not guard.is_trap(f"{H}/product/list?page=7")   # the pattern that showed its own page goes on


def test_link_rules_that_need_no_fetch():
    guard = _guard()
    nested = guard.refuse(f"{H}/go/go/go/", f"{H}/go/go/")
    assert nested.kind == "repeated_segments" and "go" in nested.evidence
    assert guard.refuse(f"{H}/go/go/", f"{H}/go/") is None
    search = guard.refuse(f"{H}/search?q=阀门价格", f"{H}/search?q=阀门")
    assert search.kind == "search"
    assert guard.refuse(f"{H}/search?q=阀门", f"{H}/") is None   # one step from a page that is no search
    walk = guard.refuse(f"{H}/cal/2028/03/", f"{H}/cal/2028/02/")
    assert walk.kind == "calendar" and "2028-03-01" in walk.evidence
    assert guard.refuse(f"{H}/cal/2027/03/", f"{H}/cal/2027/02/") is None   # within a year of today
    assert guard.refuse(f"{H}/event/2028/03/", f"{H}/events.html") is None  # not walked to from its pattern
    assert guard.refuse(f"{H}/news/2019/03/15.html", f"{H}/news/2019/03/16.html") is None  # the past is archive


def test_session_ids_are_counted_once_per_written_url():
    guard = _guard()
    for raw in (f"{H}/login.html?sid=aa", f"{H}/login.html?sid=bb", f"{H}/login.html?sid=aa",
                f"{H}/a;jsessionid=XYZ", f"{H}/(S(abc123))/p.aspx"):
        guard.note_raw(raw, normalize_url(raw))
    reports = {r.pattern: r for r in guard.traps().values()}
    assert reports["www.x.cn/login.html"].skipped == 2 and reports["www.x.cn/login.html"].kind == "session_id"
    assert {"www.x.cn/a", "www.x.cn/p.aspx"} <= set(reports)
    assert session_params(f"{H}/p?PHPSESSID=1&id=2") == ["PHPSESSID"]
    assert normalize_url(f"{H}/x/(S(abc123))/p.aspx?session_id=9&id=2") == f"{H}/x/p.aspx?id=2"


@pytest.mark.parametrize("url, when", [
    (f"{H}/cal?month=2031-04", date(2031, 4, 1)),
    (f"{H}/cal?year=2031&month=4&day=17", date(2031, 4, 17)),
    (f"{H}/cal?date=20310401", date(2031, 4, 1)),
    (f"{H}/cal/2031/04/", date(2031, 4, 1)),
    (f"{H}/product/203104.html", None),     # a six-digit product id is no date
    (f"{H}/product/2031.html", None),
])
def test_url_date(url, when):
    assert url_date(url) == when


def test_helpers():
    assert is_search(f"{H}/search.php?x=1") and is_search(f"{H}/list?keyword=a") and not is_search(f"{H}/research/a")
    assert repeated_segment("/a/b/a/b/a/") == "a" and repeated_segment("/a/b/a/") == ""
    assert text_blocks("<p>一</p><script>x</script><p> 二 </p>") == ["一", "二"]


def _crawl(**kw):
    defaults = dict(max_depth=0, exclude=[], pattern_cap=0)
    return SimpleNamespace(**{**defaults, **kw})


def test_paging_does_not_use_up_max_depth():
    frontier = Frontier(_crawl(max_depth=2), stripped_params(), parse=print, failed=print)
    # page 40 of a list, itself at depth 1: the next page keeps depth 1; a product is one hop deeper
    nxt = frontier.page_request(f"{H}/list?page=41", f"{H}/list?page=40", depth=1, same_pattern=True)
    assert nxt is not None and nxt.meta["depth_same"] is True
    assert frontier.page_request(f"{H}/p/1.html", f"{H}/list?page=40", depth=1) is not None
    assert frontier.page_request(f"{H}/p/2.html", f"{H}/p/1.html?x", depth=2) is None   # depth 3 > 2
    assert frontier.depth_ignored == 1


def test_frontier_counts_pending_pages_and_trap_skips_once():
    guard = TrapGuard(today=TODAY)
    frontier = Frontier(_crawl(), stripped_params(), parse=print, failed=print, traps=guard)
    assert frontier.page_request(f"{H}/a.html", root=True) is not None
    assert len(frontier.pending_pages) == 1
    frontier.answered(f"{H}/a.html")
    assert not frontier.pending_pages
    for referer in (f"{H}/go/go/", f"{H}/go/go/x"):
        assert frontier.page_request(f"{H}/go/go/go/", referer) is None
    assert guard.skipped() == 1
    assert frontier.page_request(f"{H}/search?q=b", f"{H}/search?q=a") is None
    assert frontier.page_request(f"{H}/search?q=b", f"{H}/") is not None   # a later link from a real page


def _words(n: int) -> str:
    import random

    rnd = random.Random(n)
    vocab = "阀门 管道 法兰 密封 工艺 规格 口径 压力 温度 介质 阀体 阀杆 填料 手柄 执行器 电动 气动 安装 维护".split()
    return "".join(rnd.choice(vocab) for _ in range(30))


def test_a_list_first_reached_from_the_homepage_survives_its_filters():
    guard = _guard()
    items = [f"<li>KT-{m} 不锈钢球阀</li>" for m in range(1, 13)]
    links = frozenset(hash(f"{H}/product/{m}.html") for m in range(1, 13))
    # page 1 comes from the homepage (not chained, not from its path): only sampled, but a pattern of its own
    assert _observe(guard, f"{H}/product/list?page=1", "<ul>" + "".join(items) + "</ul>", links,
                    chained=False) is None
    for i, query in enumerate(f"sort={s}&color={c}" for c in ("red", "blue") for s in ("a", "b", "c")):
        _observe(guard, f"{H}/product/list?{query}", "<ul>" + "".join(items[i:] + items[:i]) + "</ul>", links,
                 chained=False, same_path=True)
    assert guard.is_trap(f"{H}/product/list?color=x&sort=z")
    assert not guard.is_trap(f"{H}/product/list?page=2")


def test_empty_pages_end_without_a_chain_and_query_dates_walk_back_too():
    guard = _guard()
    # day pages reached from their month (not chained), each saying it is empty
    ended = [_observe(guard, f"{H}/events?date=2026-11-{d:02d}", f"<h1>2026年11月{d}日</h1><p>本日暂无活动。</p>",
                      grows=False, chained=False) for d in range(1, 10)]
    assert ended.index(next(r for r in ended if r)) == STREAK
    # lazy product pages alike in their numbers only, but not saying they are empty, do not end
    for n in range(1, 30):
        assert _observe(guard, f"{H}/item/{n}.html", f"<p>产品 {n} 型号 {n}</p>", grows=False, chained=False) is None
    back = guard.refuse(f"{H}/events?month=2025-10", f"{H}/events?month=2025-11")
    assert back is not None and back.kind == "calendar"
    assert guard.refuse(f"{H}/events?month=2026-01", f"{H}/events?month=2026-02") is None


def test_sort_orders_of_an_early_list_page_are_known_long_after():
    guard = _guard()

    def items(n):
        return [f"<li>KT-{m} 阀门</li>" for m in range(n * 20, n * 20 + 20)]

    def links(n):
        return frozenset(hash(f"{H}/product/{m}.html") for m in range(n * 20, n * 20 + 20))

    for n in range(1, 60):   # more list pages than the window keeps
        assert _observe(guard, f"{H}/product/list?page={n}", "".join(items(n)), links(n)) is None
    found = None
    for i, sort in enumerate(("price", "name", "new", "hot", "date")):
        found = found or _observe(guard, f"{H}/product/list?page=3&sort={sort}", "".join(items(3)[i:] + items(3)[:i]),
                                  links(3), chained=False, same_path=True)
    assert found is not None and found.kind == "facets"
    assert guard.is_trap(f"{H}/product/list?page=9&sort=price") and not guard.is_trap(f"{H}/product/list?page=61")
