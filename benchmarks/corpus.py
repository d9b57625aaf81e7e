"""Word lists for the synthetic company site: plain corporate Chinese, traps and violations.

Everything here is GBK-encodable, so any page can be served as GBK. The violation phrases are what
the phrase rules must flag; the trap phrases look similar and must not be flagged (DOMAIN.md §1).
"""
from __future__ import annotations

import random

COMPANY = "云帆数智科技有限公司"
BRAND = "云帆"
ICP_FILING = "浙ICP备2023012345号"
PSB_CODE = "33010602012345"
PSB_FILING = f"浙公网安备{PSB_CODE}号"
CREDIT_CODE = "91330106MA2H0Y0X3B"  # valid GB 32100 check character

OPENERS = [
    "在过去一年中，", "通过持续的技术投入，", "根据客户的反馈，", "围绕行业数字化转型，", "在杭州研发中心，",
    "结合多年项目经验，", "面向制造业和零售业，", "为了降低运维成本，", "在数据安全合规方面，", "",
    "", "", "从需求调研到上线交付，", "在华东和华南地区，",
]
SUBJECTS = [
    "公司", "我们的团队", "云帆平台", "该方案", "技术中心", "本系统", "项目组", "售后服务部",
    "数据中台", "合作伙伴", "研发人员", "客户成功团队", "运维值班组", "产品经理",
]
VERBS = [
    "提供", "支持", "完善了", "持续优化", "帮助企业实现", "上线了", "改进了", "整合了", "交付了",
    "建立了", "规范了", "升级了", "推进了", "参与了",
]
OBJECTS = [
    "数据安全管理", "云端部署服务", "智能制造解决方案", "供应链协同平台", "门店经营分析", "工单流转流程",
    "多租户权限模型", "日志审计功能", "移动端巡检应用", "能耗监测看板", "电子合同签署", "客户服务热线",
    "备份与恢复演练", "接口文档和开发者工具", "私有化部署方案", "设备远程升级", "财务对账模块",
    "仓储拣货路径规划", "质量追溯体系", "员工培训课程",
]
CLOSERS = [
    "，得到了用户的认可。", "，处理效率明显提高。", "，相关文档已经更新。", "，欢迎来电咨询。",
    "。", "，详情请参阅产品手册。", "，具体以合同约定为准。", "，并通过了内部评审。",
    "，覆盖三十多个城市。", "，平均响应时间缩短到两小时以内。",
]
# Look like violations but are not: time words, ordinals, technical terms, attitude (DOMAIN.md §1).
TRAPS = [
    "最近我们更新了首页的导航。", "第一步，请先在控制台创建项目。", "每台设备都有唯一标识。",
    "最新动态请关注公司公众号。", "我们致力于成为客户最信赖的合作伙伴。", "最好先备份数据再升级。",
    "顶级域名的解析由注册商负责。", "最后，感谢各位客户的支持。", "本次升级确保本地数据完整。",
]
# (phrase, sentence): each sentence contains its phrase as a clear advertising claim.
VIOLATIONS = [
    ("最佳", "云帆平台是企业上云的最佳选择。"),
    ("国家级", "本产品荣获国家级权威认证，品质无忧。"),
    ("第一品牌", "云帆是行业第一品牌，销量遥遥领先。"),
    ("根治", "配套的理疗仪可根治颈椎病。"),
    ("保本", "理财专区产品保本保息，稳赚不赔。"),
    ("特供", "高端机型为政府机关特供。"),
]

TITLE_WORDS = [
    "发布", "升级", "上线", "实践", "案例", "指南", "白皮书", "说明", "公告", "招聘", "培训", "巡检",
]


def sentence(rng: random.Random) -> str:
    return rng.choice(OPENERS) + rng.choice(SUBJECTS) + rng.choice(VERBS) + rng.choice(OBJECTS) + rng.choice(CLOSERS)


def paragraph(rng: random.Random, traps: float = 0.05) -> str:
    parts = [sentence(rng) for _ in range(rng.randint(4, 8))]
    if rng.random() < traps:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(TRAPS))
    return "".join(parts)


def title(rng: random.Random) -> str:
    return rng.choice(OBJECTS) + rng.choice(TITLE_WORDS)
