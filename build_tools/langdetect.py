"""Script and language detection with OpenCC: zh-Hans, zh-Hant or en."""

from __future__ import annotations

import re
from functools import lru_cache
from operator import ne

import opencc

_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")
_NOT_LATIN = re.compile(r"[^A-Za-z]+")
SAMPLE_CHARS = 6_000
HAN_CHARS = 2_000  # the script shows within a couple of thousand characters
# OpenCC 1.4.2's s2t: its longest key (STPhrases*, STCharacters) has 15 characters and every value is
# as long as its key (a test checks both on the installed dictionaries).
S2T_KEY_MAX = 15
S2T_MARGIN = 64  # characters at the end of a converted head that are not trusted (> S2T_KEY_MAX)
S2T_HEAD = 384


@lru_cache(maxsize=1)
def _converters() -> tuple[opencc.OpenCC, opencc.OpenCC]:
    return opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


def detect_lang(text: str) -> str:
    sample = text[:SAMPLE_CHARS]
    han = _NOT_HAN.sub("", sample)  # every Han character of the sample, in order
    if len(han) < 20:
        latin_chars = len(_NOT_LATIN.sub("", sample))  # the letters of all [A-Za-z]+ runs
        if latin_chars > 5 * max(1, len(han)):
            return "en"
    if not han:
        return "zh-Hans"
    t2s, s2t = _converters()
    joined = han[:HAN_CHARS]
    traditional_only = _traditional_only(joined, t2s)
    if not traditional_only:
        return "zh-Hans"  # nothing traditional-only: it cannot outnumber the simplified-only characters
    if len(joined) > S2T_HEAD and opencc.__version__ == _T2S_VERSION:
        # s2t replaces prefix by prefix, each decided by at most S2T_KEY_MAX characters ahead and as
        # long as what it replaces: converting the first S2T_HEAD characters gives the whole
        # conversion's first S2T_HEAD - S2T_MARGIN characters.  If the simplified-only characters
        # among those already match the traditional-only ones, the text is zh-Hans.
        sure = S2T_HEAD - S2T_MARGIN
        if _differences(joined[:sure], s2t.convert(joined[:S2T_HEAD])[:sure]) >= traditional_only:
            return "zh-Hans"
    traditional = s2t.convert(joined)
    simplified_only = _differences(joined, traditional)
    return "zh-Hant" if traditional_only > simplified_only else "zh-Hans"


def _traditional_only(joined: str, t2s: opencc.OpenCC) -> int:
    """``_differences(joined, t2s.convert(joined))`` for Han characters U+4E00–U+9FFF, mostly without converting.

    t2s converts a text phrase by phrase where one of its few phrases occurs (TSPhrases) and
    character by character everywhere else.  Where no phrase occurs, the characters t2s changes
    are those it changes on their own, so counting them is the whole answer.
    """
    table = _t2s_table()
    if table is not None:
        phrases, changed = table
        if phrases.search(joined) is None:
            return len(changed.findall(joined))
    return _differences(joined, t2s.convert(joined))


# The keys of TSPhrases.ocd2, the phrase dictionary of OpenCC's t2s (OpenCC _T2S_VERSION; a test
# compares them with the installed dictionary).  Where none occurs t2s goes character by character.
_T2S_VERSION = "1.4.2"
_T2S_PHRASE_TEXT = (
    "慰藉 憑藉 深沈 意志消沈 懷釐 成甦 挨剋 捏坏 暗沈沈 書中自有千鍾粟 林甦 校讎 樊於期 橡椀 "
    "死氣沈沈 段脩 毛坏 溫昇豪 滑藉 角徵 胤祕 腶脩 英哩 蔣昇 製坏 谿工 赤石逕 踅門瞭戶 躪藉 "
    "辛祕 郭子乾 酒逢知己千鍾少 醞藉 鈞覆 銀鍊 鋼坏 錢鍾書 鎖鍊 鐵鍊 閻鶴昇 露覆 馮甦 哪吒 回覆 "
    "土坏 墨沈沈 壺裏乾坤 大目乾連冥間救母變文 宫商角徵羽 康乾 二噁英 侔德覆載 無序 狐藉虎威 王彥昇 "
    "珍珠項鍊 畢昇 發覆 破釜沈舟 磚坏 稟覆 竺乾 答覆 篤麼 簡單明瞭 籌畫 素藉 沙逕 河逕 文錦覆阱 "
    "束脩 東氾 所費不貲 手鍊 打坏 扞格 扭轉乾坤 批覆 找藉口 昏沈 水逕 拜覆 流徵 浪蕩乾坤 浮沈 "
    "海哩 旋轉乾坤 旋乾轉坤 有序 朝乾夕惕 木吒 情有獨鍾 想像 慰藉着 憑藉着 折戟沈沙 折戟沈河 擊沈 "
    "據瞭解 梁昇卿 梁章鉅 楊甦棣 楊聯陞 深沈不露 見覆 蒜薹 脫坏 變徵 讎定 蕓薹 蕩覆 蕭乾 "
    "衹見樹木 衹得 袁祕 袖裏乾坤 袷袢 老態龍鍾 耳沈 肉脩 肘手鍊足 茅蒐 茵藉 萬鍾 落雁沈魚 角徵羽 "
    "計畫 許甦魂 貂覆額 買臣覆水 載沈載浮 載浮載沈 鍛鍾 陶坏 逆釐 重覆 鉸鍊 雁杳魚沈 雖覆能復 "
    "電覆 項鍊 頗覆 頸鍊 顧藉 黑沈沈 鑽石項鍊 鑿坏 韓昇延 韓甦 魏徵 魚沈雁杳 麪坏兒 麼些族 龍鍾 "
    "龔昇 徐胤昇 復甦 反覆 反反覆覆 坏戶 幺麼 年釐 允祕 八濛山 其陰多蒐 凌藉 出醜狼藉 函覆 "
    "千鍾粟 名覆金甌 射覆 傢俱 傷亡枕藉 剋架 剋毒 張昇 張法乾 彷彿 彷徨 九逕山 七逕 仇讎 "
    "任筆沈詩 瞭然 瞭望 甚鉅 祝釐 神祇 烏逕 盧象昇 目劄 示覆 社逕 於菟 李乾德 李祕 明瞭 明覆 "
    "春蒐 春釐 氾水 拉鍊 拉坏 旋轉乾坤之力 藉故 藉此 藉手 藉據 藉方 藉條 藉槁 藉機 藉助 藉寇兵 "
    "藉卉 藉口 藉喻 藉端 藉着 藉箸代籌 藉藉 藉草枕塊 藉詞 藉讀 藉資 藉代 藉以 蒐于紅 蒐於紅 "
    "蒐苗 脩敬 脩炳 脩金 衹見樹木不見森林 鍊條 鍾繇 鍾萬梅 陰沈 陰陰沈沈 陳志昇 陳昇 陳甦 逕口 "
    "逕聯 逕頭 金吒 金昇玟 金鍊 鉅子 鉅萬 鉅防 顛乾倒坤 顛倒乾坤 黃甦 黃鍾公 徵弦 徵音 坏土 "
    "坏子 坏布 南氾 南逕 吳祕 吳育昇 尼乾子 尼乾陀 乾象 么麼 么麽 一坏 一目瞭然 上逕 上鍊 "
    "不可貲計 不瞭解 以免藉口 以功覆過 瞭如 瞭哨 瞭解 瞭若指掌 瞭然於心 甦生 甦醒 申昇勳 申覆 "
    "祕丕笈 祕彭祖 祕瓊 烏昇 烏沈沈 沈澱 沈思 沈沒 沈湎 沈滯 沈悶 沈淪 沈溺 沈濁 沈默 沈靜 "
    "沈醉 沈重 沈香 沈鬱 沈魚落雁 沈積 沈睡 沈甸甸 沈砂池 沈筒 沈冤 沈厚 沈吟 沈寂 沈得住氣 "
    "沈迷 沈船 沈落 沈詩任筆 沈住氣 於倫 於其一 於則 於勇明 於呼哀哉 於單 於坦 於崇文 於忠祥 "
    "於惟一 於戲 於敖 於梨華 於清言 於潛 於世成 於乎 於仲完 於琳 於穆 於竹屋 於邑 於陵子 李昇 "
    "李澤鉅 李鍊福 李鍾郁 氾勝之 氾南 氾國 拉鍊工程 藉故推辭 藉此機會 藉助於 藉寇兵齎盜糧 藉甚 "
    "藉由 藉端生事 藉藉无名 覆逆 覆電 覆露 覆鼎 覆冒 覆墓 覆宗 覆帳 覆幬 覆成 覆按 覆文 覆杯 "
    "覆校 覆瓿 覆上 覆住 覆信 覆育 覆蕉尋鹿 蒐狩 蒐田 蒐畋 脩脡 脩脯 變徵之聲 變徵之音 鍊墜 "
    "鍊子 鍊形 鍊錘 鍊鎖 鍾重發 鍾鍛 鍾馗 陰沈沈 徵絃 徵羽摩柯 徵聲 徵調 反覆性 幺麼小丑 "
    "幺麼小醜 乾坤 乾元 乾卦 乾嘉 乾圖 乾州 乾隆 乾造 乾道 乾闥婆 乾陵 乾斷 乾旦 乾曜 乾清宮 "
    "乾盛世 乾紅 乾綱 乾縣 乾佑縣 瞭如指掌 瞭解到 沈澱法 沈澱物 沈浸 沈浮 沈思往事 沈沒成本 "
    "沈湎酒色 沈滯性 沈默不語 沈默寡言 沈降 沈陷 沈靜下來 沈痛 沈痼 沈痾 沈積岩 沈積石 沈睡不醒 "
    "沈迷不醒 沈下 沈不住氣 李昇勳 覆醢 覆醬瓿 覆鹿尋蕉 覆鹿遺蕉 覆呈 覆命 覆盆 覆盂 覆盤 蒐獮 "
    "蒐獵 反覆思維 反覆思量 乾坤一擲 乾宅 乾隆年間 乾隆皇帝 乾斷食 乾乾淨淨 乾乾脆脆 沈澱出來 "
    "沈澱劑 沈浸於 覆盆子 乾坤再造 乾坤大挪移 乾安縣 乾安鎮 "
)
_T2S_PHRASES = tuple(_T2S_PHRASE_TEXT.split())


@lru_cache(maxsize=1)
def _t2s_table() -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """(any t2s phrase, any Han character t2s changes on its own), asked of OpenCC itself; None if unsure."""
    if getattr(opencc, "__version__", None) != _T2S_VERSION:
        return None
    t2s, _ = _converters()
    han = [chr(code) for code in range(0x4E00, 0xA000)]
    # One conversion for all: a line break is in no phrase, so no phrase spans two characters.
    alone = t2s.convert("\n".join(han)).split("\n")
    if len(alone) != len(han) or any(len(out) != 1 for out in alone):
        return None
    changed = "".join(ch for ch, out in zip(han, alone, strict=True) if out != ch)
    if not changed:
        return None
    phrases = re.compile("|".join(re.escape(p) for p in sorted(_T2S_PHRASES, key=len, reverse=True)))
    return phrases, re.compile(f"[{changed}]")


# Bit 0 of every 32-bit lane, for HAN_CHARS lanes.
_LANE_BITS = int.from_bytes(b"\x01\x00\x00\x00" * HAN_CHARS, "little")


def _differences(a: str, b: str) -> int:
    """How many positions hold different characters, as zip pairs them (up to the shorter string).

    The same as ``sum(map(ne, a, b))``, computed on whole UTF-32 strings: XOR them as one big
    integer, fold every 32-bit lane onto its lowest bit and count those bits.
    """
    n = min(len(a), len(b))
    if n > HAN_CHARS:
        return sum(map(ne, a, b))
    x = int.from_bytes(a[:n].encode("utf_32_le"), "little") ^ int.from_bytes(b[:n].encode("utf_32_le"), "little")
    x |= x >> 16
    x |= x >> 8
    x |= x >> 4
    x |= x >> 2
    x |= x >> 1
    return (x & _LANE_BITS).bit_count()

