"""Phrase-engine benchmark: siteaudit's matcher against a word-list baseline on one corpus.

Generates (no network, fixed seed) a realistic Chinese company-site corpus of at least 5 MB —
page-sized runs of company copy from templates, with a few planted violations — then runs in the
same process:

* siteaudit: `RuleSet.check` on every page (normalise → Aho-Corasick → jieba on the sentences
  around candidates only → context rules);
* baseline: "segment everything with jieba, then match tokens against the term list" (rule terms
  added to jieba's dictionary, as a careful word-list checker would).

Prints throughput (chars/s) of both, the speed ratio, and whether both find every planted
violation; `--write` puts the results in benchmarks/RESULTS.md (section "Phrase engine").

    python benchmarks/bench_rules.py [--mb 5] [--write]
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rules.loader import load_ruleset  # noqa: E402
from rules.normalize import normalize_term  # noqa: E402

SEED = 20261128
COMPANIES = ["华信科技", "恒达机械", "蓝海物流", "青禾食品", "锦程教育", "远景建筑", "安泰保险代理", "博远软件",
             "瑞丰农业", "星辰家居", "中联检测", "润泽环保", "嘉禾医疗器械", "天衡律师事务所", "鼎盛装饰"]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "西安", "南京", "苏州", "重庆", "天津"]
PRODUCTS = ["智能门锁", "工业机器人", "冷链仓储服务", "有机大米", "职业技能培训", "钢结构厂房", "企业财税服务",
            "云端协同办公软件", "节水灌溉设备", "实木家具", "第三方检测服务", "污水处理设备", "医用护理床",
            "知识产权咨询", "全屋定制装修"]
TEMPLATES = [
    "{c}成立于{y}年，总部位于{city}，是一家专注于{p}研发、生产和销售的企业。",
    "公司现有员工{n}余人，其中技术人员占比{pct}%，拥有完善的质量管理体系。",
    "我们的{p}已服务{city}及周边地区{n}余家客户，广泛应用于制造、物流和零售等行业。",
    "产品通过ISO9001质量管理体系认证，并严格执行国家相关标准。",
    "最新消息：{c}将于{m}月参加在{city}举办的行业展览会，欢迎莅临参观。",
    "最近我们对官网进行了改版，新增了在线客服和订单查询功能。",
    "第一步：在线提交需求；第二步：工程师上门勘测；第三步：出具方案与报价。",
    "如需了解{p}的详细参数，请致电400-{n4}-{n4b}或发送邮件至service@example.cn。",
    "我们致力于为客户提供专业、可靠的{p}，以诚信赢得市场。",
    "为确保本次活动顺利进行，请参会人员提前十五分钟到场签到。",
    "每个账户都有唯一标识，用于登录和找回密码。",
    "公司坚持以客户为中心，持续优化服务流程，提升响应速度。",
    "{y}年，公司在{city}设立分公司，进一步完善了全国服务网络。",
    "售后服务热线全年无休，工作日两小时内响应，节假日顺延。",
    "本站所有图片及文字内容版权归{c}所有，未经许可不得转载。",
    "联系地址：{city}市高新区科技路{n3}号{c}大厦{f}层。",
    "我们的团队由多名具有十年以上经验的工程师组成，可提供从咨询到实施的全流程服务。",
    "建议您最好先与客服确认库存，再下单购买。",
    "冷藏保存，开封后请尽快食用，口感最佳。",
    "公司荣获{city}市{y}年度守合同重信用企业称号。",
    "如您对我们的服务有任何意见或建议，欢迎通过留言板与我们联系。",
    "面包过期请勿食用，如发现质量问题请及时联系门店。",
    "产品支持七天无理由退货，运费由商家承担。",
    "招聘岗位：销售经理、售后工程师、行政专员，详情请见人才招聘页面。",
    "客户最大的问题往往是不清楚自身需求，我们会先做免费诊断。",
    "本产品不能替代药物，请在医生指导下使用相关治疗手段。",
    "投资有风险，本产品不保本，请根据自身风险承受能力谨慎选择。",
]
# Plain copy with no candidate at all: most sentences of a real site.
PLAIN = [
    "{c}主要从事{p}的设计、安装与维护，业务覆盖{city}及周边城市。",
    "公司注册资本{n}万元，现有厂房面积{n3}00平方米，年产能稳步增长。",
    "我们为客户提供从需求调研、方案设计到交付运维的一站式服务。",
    "项目团队将在合同签订后{m}个工作日内完成现场勘测并提交实施计划。",
    "欢迎新老客户来电咨询，我们将竭诚为您服务。",
    "{y}年{m}月，公司顺利通过高新技术企业复审。",
    "产品说明书、安装视频和常见问题解答可在下载中心获取。",
    "请妥善保管您的账户密码，不要向他人透露验证码。",
    "本公司尊重并保护所有用户的个人隐私，详见隐私政策。",
    "{c}{city}分公司地址：{city}市经济开发区创业大道{n3}号。",
    "我们定期组织员工参加专业技能培训和安全生产教育。",
    "订单发货后，您可以在会员中心查看物流进度。",
    "展会期间，{c}展示了新一代{p}及其在智慧城市中的应用案例。",
    "公司与多所高校建立了产学研合作关系，共同开展技术攻关。",
    "合作伙伴包括多家大型制造企业和连锁零售企业。",
    "如需开具发票，请在下单时填写单位名称和纳税人识别号。",
    "工作时间：周一至周五 9:00-18:00，法定节假日除外。",
    "感谢您对{c}的关注与支持。",
    "点击下方按钮，立即预约免费上门测量。",
    "我们根据客户的实际使用场景，提供多种规格和配置可选。",
]
VIOLATIONS = [
    ("我们的{p}效果最佳，欢迎选购。", "最佳"),
    ("{c}是{city}销量第一的{p}品牌。", "销量第一"),
    ("本理财计划保本保息，稳赚不赔。", "保本保息"),
    ("学员考试包过，不过全额退款。", "包过"),
    ("国家领导人亲自品尝的{p}。", "国家领导人"),
    ("本品可根治颈椎病，无副作用。", "根治"),
    ("经高僧开光，佩戴可转运。", "开光"),
    ("核心地段，升值潜力巨大。", "升值潜力巨大"),
    ("服务器永不宕机，万无一失。", "永不宕机"),
    ("真人荷官在线百家乐，首存送彩金。", "百家乐"),
    ("荣获中国驰名商标。", "中国驰名商标"),
    ("纯天然无添加，放心食用。", "纯天然无添加"),
]


def generate(mb: float, seed: int = SEED) -> tuple[list[str], list[set[str]]]:
    """Pages of ~2,000 characters until the corpus has `mb` MB of UTF-8; planted terms per page."""
    rnd = random.Random(seed)
    pages, planted, size = [], [], 0
    while size < mb * 1_000_000:
        parts, terms, chars = [], set(), 0
        while chars < 2000:
            if rnd.random() < 0.02:
                tpl, term = rnd.choice(VIOLATIONS)
                terms.add(term)
            elif rnd.random() < 0.3:
                tpl = rnd.choice(TEMPLATES)
            else:
                tpl = rnd.choice(PLAIN)
            s = tpl.format(c=rnd.choice(COMPANIES), city=rnd.choice(CITIES), p=rnd.choice(PRODUCTS),
                           y=rnd.randint(1998, 2025), n=rnd.randint(20, 5000), pct=rnd.randint(20, 80),
                           m=rnd.randint(1, 12), n4=rnd.randint(1000, 9999), n4b=rnd.randint(1000, 9999),
                           n3=rnd.randint(1, 999), f=rnd.randint(2, 30))
            parts.append(s)
            chars += len(s)
        page = "\n".join(parts)
        pages.append(page)
        planted.append(terms)
        size += len(page.encode("utf-8"))
    return pages, planted


def distinct_pages(pages: list[str], size: int = 2000) -> list[str]:
    """Every distinct line of `pages` once, in first-seen order, packed into pages of ~`size` chars."""
    out, cur, n = [], [], 0
    for line in dict.fromkeys(line for page in pages for line in page.split("\n")):
        cur.append(line)
        n += len(line)
        if n >= size:
            out.append("\n".join(cur))
            cur, n = [], 0
    if cur:
        out.append("\n".join(cur))
    return out


def run_engine(rs, pages, cache=True):
    seg = rs.matcher.segmenter
    rs.matcher.clear_caches()
    seg.cache_size = 50_000 if cache else 0
    found = []
    t = time.process_time()
    for page in pages:
        found.append({f.match for f in rs.check(page) if f.severity.rank >= 2})
    seg.cache_size = 50_000
    return time.process_time() - t, found


def _found(planted: set[str], found: set[str]) -> int:
    """Planted violations found (a finding's match may be longer: 高僧开光 for 开光)."""
    return sum(any(t in m or m in t for m in found) for t in planted)


def _other(planted: set[str], found: set[str]) -> int:
    return sum(not any(t in m or m in t for t in planted) for m in found)


def run_baseline(rs, pages):
    import jieba

    terms = {normalize_term(t) for r in rs.rules for t in r.terms}
    for t in sorted(terms):
        jieba.add_word(t)
    jieba.initialize()
    found = []
    t = time.process_time()
    for page in pages:
        found.append({tok for tok in jieba.cut(page) if tok in terms})
    return time.process_time() - t, found


def interleaved(n: int, runs):
    """(fastest time, its findings) of each of `runs`, over `n` rounds that run each once in turn.

    Interleaving spreads the shared machine's load changes over all contestants alike, so their
    ratio holds even when the load drifts during the benchmark. Every run must find the same.
    """
    best: list = [None] * len(runs)
    for _ in range(max(1, n)):
        for k, run in enumerate(runs):
            t, found = run()
            assert best[k] is None or found == best[k][1]
            best[k] = (t, found) if best[k] is None or t < best[k][0] else best[k]
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=5.0, help="corpus size in MB of UTF-8 (default 5)")
    ap.add_argument("--write", action="store_true", help="write benchmarks/RESULTS.md section 'Phrase engine'")
    ap.add_argument("--repeat", type=int, default=5,
                    help="rounds, each running every engine once; the fastest run counts, as other jobs only ever "
                         "slow a run down (default 5)")
    args = ap.parse_args(argv)

    pages, planted = generate(args.mb)
    chars = sum(map(len, pages))
    size = sum(len(p.encode("utf-8")) for p in pages)
    rs = load_ruleset()
    rs.check("预热：效果最佳")  # the one-time jieba/SQLite start-up is not per-page cost
    # The same copy without repeats: every distinct line once, in pages of the same size. Site
    # pages repeat their navigation, footers and boilerplate line for line, which the engine's
    # caches exploit; this run shows the engine's speed where nothing repeats.
    unique = distinct_pages(pages)
    u_chars = sum(map(len, unique))
    (t_cold, found_cold), (t_engine, found_engine), (t_base, found_base), (t_uniq, _), (t_ubase, _) = interleaved(
        args.repeat, [lambda: run_engine(rs, pages, cache=False), lambda: run_engine(rs, pages),
                      lambda: run_baseline(rs, pages), lambda: run_engine(rs, unique),
                      lambda: run_baseline(rs, unique)])
    assert found_cold == found_engine  # the caches change speed, never results

    want = sum(len(p) for p in planted)
    engine_hits = sum(_found(p, f) for p, f in zip(planted, found_engine))
    base_hits = sum(_found(p, f) for p, f in zip(planted, found_base))
    engine_extra = sum(_other(p, f) for p, f in zip(planted, found_engine))
    base_extra = sum(_other(p, f) for p, f in zip(planted, found_base))
    rate_e, rate_b, rate_c = chars / t_engine, chars / t_base, chars / t_cold
    lines = [
        f"corpus: {len(pages)} pages, {chars:,} chars, {size / 1e6:.2f} MB UTF-8, seed {SEED}, "
        f"{want} planted violations",
        f"siteaudit: {t_engine:.2f} s, {rate_e / 1e6:.2f} M chars/s; finds {engine_hits}/{want} planted, "
        f"{engine_extra} other hits at warning/error",
        f"siteaudit without its caches: {t_cold:.2f} s, {rate_c / 1e6:.2f} M chars/s (same findings)",
        f"baseline (jieba.cut everything + term set): {t_base:.2f} s, {rate_b / 1e6:.3f} M chars/s; "
        f"finds {base_hits}/{want} planted, {base_extra} other hits",
        f"speed ratio: {rate_e / rate_b:.1f}x (without the caches {rate_c / rate_b:.1f}x); fastest of {args.repeat} interleaved runs each",
        f"distinct lines only ({len(unique)} pages, {u_chars:,} chars, {u_chars / chars:.0%} of the corpus): "
        f"siteaudit {u_chars / t_uniq / 1e6:.2f} M chars/s, baseline {u_chars / t_ubase / 1e6:.3f} M chars/s, "
        f"ratio {t_ubase / t_uniq:.1f}x",
    ]
    print("\n".join(lines))
    if args.write:
        write_results(lines, args.mb, args.repeat)
    return 0 if engine_hits == want == base_hits else 1


def write_results(lines: list[str], mb: float, repeat: int) -> None:
    path = ROOT / "benchmarks" / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    import platform

    section = ["## Phrase engine", "",
               f"Command: `python benchmarks/bench_rules.py --mb {mb:g} --repeat {repeat} --write` "
               f"(Python {platform.python_version()}, {platform.machine()}, run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
               "", "```", *lines, "```", "",
               "Times are CPU seconds of this process (`time.process_time`), the fastest of the runs; the",
               "rounds interleave the contestants, so a load change on the shared 2-core machine hits them",
               "alike. Compare the ratios, not the times.",
               "",
               "The baseline is the common word-list checker: jieba segments the whole page (rule terms added",
               "to its dictionary), then every token is looked up in the term set. siteaudit judges a page",
               "line by line (a line break ends a sentence, so nothing it looks at crosses one) and keeps",
               "each line's hits: pages repeat their navigation, footers and boilerplate line for line. A",
               "new line is normalised, scanned once by an Aho-Corasick automaton over the terms and the",
               "patterns' rarest required literals (ahocorasick-rs, overlapping matches; a DFA once a run",
               "has scanned 200,000 characters), each pattern runs only within its own longest match of",
               "its literals, and each candidate is judged on its sentence only: jieba runs on a window",
               "around it, and the verdict is cached per sentence. Both find every planted violation. The",
               "baseline's \"other hits\" are the corpus's traps it cannot tell apart (不保本,",
               "本品不能替代药物, 致力于成为…领先, 最好先…); siteaudit's are further violations inside the",
               "planted sentences (稳赚不赔 next to 保本保息).",
               "",
               "The corpus repeats like a site does: 82% of its lines occur more than once. How much the",
               "ratio owes to that is in the last two figures: without any cache the engine is ~4-8x the",
               "baseline, and on the corpus's distinct lines alone (every line once, caches on) ~8-10x.",
               "Site copy that never repeats is checked at the second figure; a site's boilerplate, at",
               "the first. Before the line cache (same rules), the headline ratio was 16-23x on this",
               "machine, depending on its load.",
               "",
               "`siteaudit check` on a small file (40 lines of company copy, rule-set cache warm), wall time",
               "including interpreter start, 11 runs of `python -m crawler check --fail-on never FILE`:",
               "median 0.28 s (0.24-0.34 s) on 2026-11-29; 0.38-0.44 s medians under heavier load. Half of",
               "it is compiling the regular expressions the text triggers (each CJK class costs ~1.5 ms).",
               ""]
    pattern = re.compile(r"## Phrase engine\n.*?(?=\n## |\Z)", re.S)
    block = "\n".join(section)
    text = pattern.sub(block, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + block
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
