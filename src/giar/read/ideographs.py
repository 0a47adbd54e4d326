"""Radicals and compatibility code points that stand for ordinary ideographs (issue 10).

PDFs printed from a browser or some office suites rebuild each glyph's character from the font's cmap, and fonts
such as Noto Sans CJK draw 行 and the radical ⾏ (U+2F8F) with one glyph, so the text layer says ``⾏政许可``,
``⼈⺠政府``, ``河⻄街道``. The reader maps them back, one character in and one out, so every offset stays valid.

- Kangxi Radicals (U+2F00–U+2FD5): NFKC gives each one's ideograph.
- CJK Radicals Supplement (U+2E80–U+2EF3): NFKC leaves them alone, so the table is written out. It holds only
  the radicals with one unified ideograph of the same shape: the one the Noto CJK fonts (SC, TC, HK, JP, KR) draw
  with the radical's own glyph, each checked against the radical's Unicode name (⻄ WEST TWO → 西, ⺠ CIVILIAN →
  民); a few without a shared glyph are taken from the name alone (⻗ RAIN → 雨, ⺝ MOON → 月). Forms with no
  such ideograph (⺀ REPEAT, ⺌ SMALL ONE, ⺼ MEAT …) stay as printed.
- CJK Compatibility Ideographs (U+F900–U+FAFF): NFKC where it gives one unified ideograph (the twelve that are
  unified ideographs themselves, 﨎 﨏 …, stay).

:func:`giar.read.text.normalize` applies the table (so a reader's own decisions, such as a PDF reader's page
numbers and ordinals, see 一 rather than ⼀), and :func:`giar.read.read` applies it again to every reader's
finished text, so a reader that does not normalise its text is covered too.
"""

from __future__ import annotations

import re
import unicodedata

# U+2E80–U+2EF3 → the ideograph's code point; each comment: the ideograph, the radical's Unicode name after
# "CJK RADICAL".
SUPPLEMENT: dict[int, int] = {
    0x2E81: 0x5382,  # 厂 CLIFF
    0x2E82: 0x4E5B,  # 乛 SECOND ONE
    0x2E83: 0x4E5A,  # 乚 SECOND TWO
    0x2E85: 0x4EBB,  # 亻 PERSON
    0x2E86: 0x5182,  # 冂 BOX
    0x2E87: 0x20628,  # 𠘨 TABLE
    0x2E89: 0x5202,  # 刂 KNIFE TWO
    0x2E8A: 0x535C,  # 卜 DIVINATION
    0x2E8B: 0x353E,  # 㔾 SEAL
    0x2E8D: 0x2D544,  # 𭕄 SMALL TWO
    0x2E8E: 0x5140,  # 兀 LAME ONE
    0x2E8F: 0x5C23,  # 尣 LAME TWO
    0x2E90: 0x5C22,  # 尢 LAME THREE
    0x2E92: 0x5DF3,  # 巳 SNAKE
    0x2E93: 0x5E7A,  # 幺 THREAD
    0x2E94: 0x5F51,  # 彑 SNOUT ONE
    0x2E95: 0x5F50,  # 彐 SNOUT TWO
    0x2E96: 0x5FC4,  # 忄 HEART ONE
    0x2E97: 0x38FA,  # 㣺 HEART TWO
    0x2E98: 0x624C,  # 扌 HAND
    0x2E99: 0x6535,  # 攵 RAP
    0x2E9B: 0x65E1,  # 旡 CHOKE
    0x2E9D: 0x6708,  # 月 MOON
    0x2E9E: 0x6B7A,  # 歺 DEATH
    0x2E9F: 0x6BCD,  # 母 MOTHER
    0x2EA0: 0x6C11,  # 民 CIVILIAN
    0x2EA1: 0x6C35,  # 氵 WATER ONE
    0x2EA2: 0x6C3A,  # 氺 WATER TWO
    0x2EA3: 0x706C,  # 灬 FIRE
    0x2EA4: 0x722B,  # 爫 PAW ONE
    0x2EA6: 0x4E2C,  # 丬 SIMPLIFIED HALF TREE TRUNK
    0x2EA8: 0x72AD,  # 犭 DOG
    0x2EA9: 0x248E9,  # 𤣩 JADE
    0x2EAB: 0x7F52,  # 罒 EYE
    0x2EAC: 0x793A,  # 示 SPIRIT ONE
    0x2EAD: 0x793B,  # 礻 SPIRIT TWO
    0x2EAE: 0x25AD7,  # 𥫗 BAMBOO
    0x2EAF: 0x7CF9,  # 糹 SILK
    0x2EB0: 0x7E9F,  # 纟 C-SIMPLIFIED SILK
    0x2EB1: 0x7F53,  # 罓 NET ONE
    0x2EB2: 0x7F52,  # 罒 NET TWO
    0x2EB3: 0x34C1,  # 㓁 NET THREE
    0x2EB9: 0x8002,  # 耂 OLD
    0x2EBA: 0x8080,  # 肀 BRUSH ONE
    0x2EBD: 0x26951,  # 𦥑 MORTAR
    0x2EBE: 0x8279,  # 艹 GRASS ONE
    0x2EBF: 0x8279,  # 艹 GRASS TWO
    0x2EC1: 0x864E,  # 虎 TIGER
    0x2EC2: 0x8864,  # 衤 CLOTHES
    0x2EC3: 0x8980,  # 覀 WEST ONE
    0x2EC4: 0x897F,  # 西 WEST TWO
    0x2EC5: 0x89C1,  # 见 C-SIMPLIFIED SEE
    0x2EC6: 0x89D2,  # 角 SIMPLIFIED HORN
    0x2EC7: 0x278B2,  # 𧢲 HORN
    0x2EC8: 0x8BA0,  # 讠 C-SIMPLIFIED SPEECH
    0x2EC9: 0x8D1D,  # 贝 C-SIMPLIFIED SHELL
    0x2ECA: 0x27FB7,  # 𧾷 FOOT
    0x2ECB: 0x8F66,  # 车 C-SIMPLIFIED CART
    0x2ECC: 0x8FB6,  # 辶 SIMPLIFIED WALK
    0x2ECD: 0x8FB6,  # 辶 WALK ONE
    0x2ECE: 0x8FB6,  # 辶 WALK TWO
    0x2ECF: 0x961D,  # 阝 CITY
    0x2ED0: 0x9485,  # 钅 C-SIMPLIFIED GOLD
    0x2ED1: 0x9577,  # 長 LONG ONE
    0x2ED2: 0x9578,  # 镸 LONG TWO
    0x2ED3: 0x957F,  # 长 C-SIMPLIFIED LONG
    0x2ED4: 0x95E8,  # 门 C-SIMPLIFIED GATE
    0x2ED5: 0x28E0F,  # 𨸏 MOUND ONE
    0x2ED6: 0x961D,  # 阝 MOUND TWO
    0x2ED7: 0x96E8,  # 雨 RAIN
    0x2ED8: 0x9752,  # 青 BLUE
    0x2ED9: 0x97E6,  # 韦 C-SIMPLIFIED TANNED LEATHER
    0x2EDA: 0x9875,  # 页 C-SIMPLIFIED LEAF
    0x2EDB: 0x98CE,  # 风 C-SIMPLIFIED WIND
    0x2EDC: 0x98DE,  # 飞 C-SIMPLIFIED FLY
    0x2EDD: 0x98DF,  # 食 EAT ONE
    0x2EDE: 0x2967F,  # 𩙿 EAT TWO
    0x2EDF: 0x98E0,  # 飠 EAT THREE
    0x2EE0: 0x9963,  # 饣 C-SIMPLIFIED EAT
    0x2EE1: 0x29810,  # 𩠐 HEAD
    0x2EE2: 0x9A6C,  # 马 C-SIMPLIFIED HORSE
    0x2EE3: 0x9AA8,  # 骨 BONE
    0x2EE4: 0x9B3C,  # 鬼 GHOST
    0x2EE5: 0x9C7C,  # 鱼 C-SIMPLIFIED FISH
    0x2EE6: 0x9E1F,  # 鸟 C-SIMPLIFIED BIRD
    0x2EE7: 0x5364,  # 卤 C-SIMPLIFIED SALT
    0x2EE8: 0x9EA6,  # 麦 SIMPLIFIED WHEAT
    0x2EE9: 0x9EC4,  # 黄 SIMPLIFIED YELLOW
    0x2EEA: 0x9EFE,  # 黾 C-SIMPLIFIED FROG
    0x2EEB: 0x6589,  # 斉 J-SIMPLIFIED EVEN
    0x2EEC: 0x9F50,  # 齐 C-SIMPLIFIED EVEN
    0x2EED: 0x6B6F,  # 歯 J-SIMPLIFIED TOOTH
    0x2EEE: 0x9F7F,  # 齿 C-SIMPLIFIED TOOTH
    0x2EEF: 0x7ADC,  # 竜 J-SIMPLIFIED DRAGON
    0x2EF0: 0x9F99,  # 龙 C-SIMPLIFIED DRAGON
    0x2EF1: 0x9F9C,  # 龜 TURTLE
    0x2EF2: 0x4E80,  # 亀 J-SIMPLIFIED TURTLE
    0x2EF3: 0x9F9F,  # 龟 C-SIMPLIFIED TURTLE
}


def _nfkc_single(lo: int, hi: int) -> dict[int, str]:
    out = {}
    for cp in range(lo, hi + 1):
        mapped = unicodedata.normalize("NFKC", chr(cp))
        if mapped != chr(cp) and len(mapped) == 1 and unicodedata.name(mapped, "").startswith("CJK UNIFIED IDEOGRAPH"):
            out[cp] = mapped
    return out


KANGXI = _nfkc_single(0x2F00, 0x2FD5)
# ⼾ DOOR: NFKC gives the traditional 戶, but the simplified-Chinese fonts that put radicals into a text layer
# draw ⼾ with the glyph of 户 (the TC/KR fonts with 戶's, the JP one with 戸's): these reports are simplified.
KANGXI[0x2F3E] = chr(0x6237)  # 户
COMPATIBILITY = _nfkc_single(0xF900, 0xFAFF)
TABLE: dict[int, str] = {**KANGXI, **{cp: chr(to) for cp, to in SUPPLEMENT.items()}, **COMPATIBILITY}
_ANY = re.compile("[" + "".join(chr(cp) for cp in sorted(TABLE)) + "]")


def map_ideographs(text: str) -> str:
    """The text with every radical or compatibility ideograph above replaced by its ideograph. Same length:
    offsets into the result are offsets into the input."""
    return text.translate(TABLE) if _ANY.search(text) else text
