"""Hand-written demo posts (all SYNTHETIC) that the real sample cannot provide.

The real messages show what ordinary traffic looks like; these exist to make a live demo and the
crawler tests exercise what matters most and breaks most: urgent reports (fire, gas leak, a road
blocked by a crowd, a live wire near a school) and hostile or broken input (script tags, an empty
body, a 1 MB body, broken HTML, a deleted thread, a repost). Every one is marked ``synthetic``
in the catalogue and the README, so nobody mistakes them for real citizens' words.

``release`` says when a post appears: ``early`` posts are visible from the start (tests need
them), ``late`` posts arrive during a live demo so that an urgent item shows up while people watch.
"""

from __future__ import annotations

from typing import Any

SCRIPT_PAYLOAD = "<script>alert(1)</script>"
IMG_PAYLOAD = "<img src=x onerror=alert(1)>"

HUGE_BODY_CHARS = 400_000
"""About 1.2 MB of UTF-8: above the crawler's default body limit, below its download limit."""


def huge_body() -> str:
    """A deterministic ~400 000-character body (a pasted document), built on demand."""
    paragraph = (
        "第{n}条意见：县城老城区供水管网建于上世纪八十年代，管材老化、漏损严重，"
        "夏季高峰期高层住户经常停水，建议分片区改造并公开工期，施工期间设置临时供水点。"
    )
    parts: list[str] = []
    size = 0
    n = 1
    while size < HUGE_BODY_CHARS:
        piece = paragraph.format(n=n)
        parts.append(piece)
        size += len(piece) + 1
        n += 1
    return "\n".join(parts)[:HUGE_BODY_CHARS]


LONG_THREAD_FLOORS: list[dict[str, Any]] = [
    # Offsets are minutes after the first post, which is dated 100 hours before the server starts,
    # so the floors show every Discuz date form: absolute, "3 天前", "前天 08:18", "昨天 08:18",
    # "2 小时前", "半小时前", "N 分钟前". ``style`` drives the other rendering quirks of §2.3.
    {"author": "老街坊", "minutes": 30, "body": "同问，我们小区也在名单里，但一直没看到施工队。"},
    {"author": "城关居民", "minutes": 45, "style": "locked", "body": ""},
    {"author": "路过看看", "minutes": 60, "body": "听说今年先改雨污分流，明年才轮到外立面。"},
    {"author": "热心网友", "minutes": 90, "style": "quote",
     "quote": "听说今年先改雨污分流", "body": "这个说法准确吗？希望住建局出来说明一下。"},
    {"author": "匿名", "minutes": 100, "style": "deleted", "body": ""},
    {"author": "小区业主", "minutes": 120, "body": "楼道里的电线乱拉乱接，改造能不能一起解决？"},
    {"author": "老街坊", "minutes": 150, "style": "images", "body": "附上现场照片，墙皮已经大面积脱落。"},
    {"author": "城关镇人民政府", "minutes": 200, "organisation": "城关镇人民政府",
     "body": "感谢关注。城关镇老旧小区改造第一批共12个小区，已完成设计招标，预计下月进场施工。"},
    {"author": "热心网友", "minutes": 1500, "body": "有官方回复了，点赞。"},
    {"author": "路过看看", "minutes": 1560, "body": "能不能公布一下第二批的名单？"},
    {"author": "小区业主", "minutes": 2900, "body": "施工期间停车怎么办？"},
    {"author": "城关居民", "minutes": 2960, "body": "希望不要拖到雨季。"},
    {"author": "老街坊", "minutes": 3000, "style": "relative_plain", "body": "我们这栋楼已经有人来量尺寸了。"},
    {"author": "新来的", "minutes": 4400, "body": "请问加装电梯也在这次改造里吗？"},
    {"author": "城关镇人民政府", "minutes": 4500, "organisation": "城关镇人民政府",
     "body": "加装电梯需业主自愿申请，可到社区领取申请表，政府按规定给予补助。"},
    {"author": "热心网友", "minutes": 4600, "body": "明白了，谢谢。"},
    {"author": "路过看看", "minutes": 5400, "style": "relative_plain", "body": "顶一下，希望早日完工。"},
    {"author": "小区业主", "minutes": 5520, "body": "补充：三栋的化粪池也经常堵。"},
    {"author": "城关居民", "minutes": 5640, "body": "同意楼上。"},
    {"author": "老街坊", "minutes": 5700, "body": "已经在施工了，进度还可以。"},
    {"author": "新来的", "minutes": 5760, "style": "relative_plain", "body": "施工噪音晚上十点后还有，能不能管一管？"},
    {"author": "热心网友", "minutes": 5820, "body": "晚上施工要办夜间施工许可的。"},
    {"author": "路过看看", "minutes": 5965, "body": "期待改造后的效果。"},
    {"author": "小区业主", "minutes": 5975, "body": "最后一层楼，看看有没有第三页。"},
]
"""24 reply floors: with the first post that is 25 posts, i.e. three Discuz pages of 10."""


PARKING_FEE = (
    "城南花园小区物业从本月起强制向业主收取每月300元的地面停车管理费，不交就不给车辆出入卡，"
    "业主多次找物业和开发商协商都没有结果。小区道路是业主共有的公共区域，物业收费没有经过业主大会同意，"
    "请县住建局和市场监管部门核查物业收费是否合法。"
)
"""One matter that several residents post about: the demo's hot topic."""

POSTS: list[dict[str, Any]] = [
    # -- stick threads (announcements), on every list page -------------------------------------
    {"key": "synthetic:bbs-rules", "channel": "bbs", "release": "early", "special": "stick",
     "author": "版主", "title": "【公告】民生投诉版发帖须知",
     "body": "请写明事情发生的时间、地点和经过，不要发布他人隐私。涉及人身安全的紧急情况请直接拨打110、119。"},
    {"key": "synthetic:bbs-contacts", "channel": "bbs", "release": "early", "special": "stick",
     "author": "版主", "title": "【置顶】县政府网民留言回应办联系方式",
     "body": "回应办工作时间：工作日8:30-17:30。留言一般在5个工作日内答复，紧急事项当日答复。"},
    {"key": "synthetic:gbk-rules", "channel": "bbs-gbk", "release": "early", "special": "stick",
     "author": "管理员", "title": "【公告】本论坛使用GBK编码，请勿发布广告",
     "body": "本版欢迎反映民生问题，广告帖一律删除。"},
    # -- bad input ------------------------------------------------------------------------------
    {"key": "synthetic:script-tags", "channel": "bbs", "release": "early",
     "author": "测试用户", "title": "小区停车乱收费 " + SCRIPT_PAYLOAD,
     "body": f"物业在消防通道划线收停车费。{SCRIPT_PAYLOAD} 还有 {IMG_PAYLOAD} 请有关部门查处。"},
    {"key": "synthetic:script-tags-board", "channel": "liuyan", "release": "early", "kind": "投诉",
     "author": "王**", "title": "留言里带代码的测试 " + IMG_PAYLOAD,
     "body": f"反映问题时粘贴了网页代码：{SCRIPT_PAYLOAD}{IMG_PAYLOAD}，系统应当原样显示为文字。"},
    {"key": "synthetic:empty-body", "channel": "bbs", "release": "early",
     "author": "路灯坏了", "title": "如题，东门路口路灯坏了一个星期了", "body": ""},
    {"key": "synthetic:huge-body", "channel": "bbs", "release": "early", "special": "huge",
     "author": "写长文的人", "title": "关于县城供水管网改造的详细意见（长文）", "body": ""},
    {"key": "synthetic:broken-html", "channel": "bbs", "release": "early", "special": "broken_html",
     "author": "排版混乱", "title": "村道坑洼不平雨天积水（排版错乱的帖子）",
     "body": "村里通往学校的水泥路坑洼不平，雨天积水没过脚踝，孩子上学只能绕行。"},
    {"key": "synthetic:deleted-thread", "channel": "bbs", "release": "early", "special": "deleted",
     "author": "已删除", "title": "这条帖子已经被删除了", "body": "列表里还在，点进去提示主题不存在。"},
    {"key": "synthetic:no-text", "channel": "liuyan", "release": "early", "special": "no_text",
     "author": "匿名", "title": "", "body": ""},
    {"key": "synthetic:trash", "channel": "liuyan", "release": "early", "special": "trash",
     "author": "李**", "title": "已被移入回收站的留言", "body": "这条留言在列表中可见，详情接口返回空内容。"},
    {"key": "synthetic:long-thread", "channel": "bbs", "release": "early", "special": "long_thread",
     "author": "城关居民", "title": "城关镇老旧小区改造进展大家一起来讨论",
     "body": "今年的老旧小区改造名单公布了，大家小区的进展怎么样？", "recent_hours": 100,
     "floors": LONG_THREAD_FLOORS},
    {"key": "synthetic:rare-chars", "channel": "bbs-gbk", "release": "early",
     "author": "李堃", "title": "姓名里的“堃”“喆”“镕”“𠮷”字在政务系统里打不出来",
     "body": "我叫李堃，孩子叫王喆，办理户籍和社保时系统提示生僻字无法录入，𠮷字更是显示成问号，请帮忙解决。"},
    {"key": "synthetic:repost", "channel": "bbs", "release": "early", "special": "repost",
     "author": "", "title": "", "body": ""},
    # -- one matter posted again and again (visible from the start): a hot topic, near-duplicates
    # (并单 candidates) and, at the sixth post within a day, urgency raised by the burst ---------------
    *[
        {"key": f"synthetic:parking-fee-{n}", "channel": "liuyan" if n % 2 else "bbs", "release": "cluster",
         "recent_hours": hours, "author": author, "title": title, "kind": "投诉",
         "body": PARKING_FEE + extra}
        for n, (hours, author, title, extra) in enumerate([
            (20, "城南业主", "城南花园物业强制收取停车管理费", ""),
            (16, "李**", "城南花园小区物业乱收停车费", "我是3栋业主，情况属实。"),
            (12, "城南花园5栋", "反映城南花园物业强收每月300元停车费", "5栋很多业主都被拦在门外。"),
            (8, "陈**", "城南花园小区停车收费问题", "希望尽快给个说法。"),
            (5, "老业主", "再次反映城南花园物业强收停车费", "已经第三次反映了。"),
            (2, "城南花园业主群", "城南花园物业停车费强制收取，业主意见很大", "业主群里已经有一百多人在讨论。"),
        ])
    ],
    # -- urgent reports: arrive while the demo runs -----------------------------------------------
    {"key": "synthetic:fire", "channel": "bbs", "release": "late",
     "author": "城关热心人", "title": "农贸市场旁边民房起火，有老人被困，消防车还没到！",
     "body": "今天下午三点左右，城关镇农贸市场东侧一栋三层民房突然起火，浓烟很大，"
             "二楼还有一位老人没出来，火势正在蔓延，请有关部门赶快处理！"},
    {"key": "synthetic:gas-leak", "channel": "liuyan", "release": "late", "kind": "求助",
     "author": "张**", "title": "幸福小区3栋楼道燃气泄漏，气味很重",
     "body": "幸福小区3栋二单元楼道里燃气味非常重，已经持续一个多小时，打燃气公司电话没人接，"
             "楼里有老人小孩，担心发生爆炸，请立即派人处理！"},
    {"key": "synthetic:live-wire", "channel": "bbs-gbk", "release": "late",
     "author": "家长", "title": "实验小学门口电线断了垂到地上，还在冒火花",
     "body": "实验小学正门口的电线杆上有一根电线断了，垂到人行道上还在冒火花，"
             "马上就要放学了，学生都从这里走，太危险了，请供电所马上来人！"},
    {"key": "synthetic:crowd", "channel": "liuyan", "release": "late", "kind": "投诉",
     "author": "赵**", "title": "上百人聚集堵住国道路口，车辆无法通行",
     "body": "今天上午十点起，有上百名群众因拆迁补偿问题聚集在国道与工业大道交叉路口，"
             "道路完全堵死，救护车都过不去，现场情绪激动，请尽快派人疏导处置。"},
]
"""Every hand-written post. ``repost`` copies a real message under a new id at load time."""
