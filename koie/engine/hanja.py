"""Hanja surnames read in Hangul: how a headline's 尹, 文, 習 stands for a name the article spells out.

Korean headlines shorten a person to the Hanja of their surname (尹 for
윤석열, 文 for 문재인, 習 for 시진핑, 李 for 이재명 or 리창). Name resolution
(``mentions: {PERSON: {name: fullest}}``, :mod:`koie.engine.mentions`) reads a
one-character Hanja mention as each of its readings here and resolves it like
a Hangul surname: to a Hangul name of two to four syllables in the same
document that begins with the reading (尹 → 윤하람, 趙 → 자오러펑).

The table is general knowledge, not a list of anyone's people: the Hanja of
common Korean surnames with their Korean readings (both forms of the initial
sound law: 李 이/리, 柳 류/유, 羅 나/라), and of common Chinese surnames with
their readings in Korean transcriptions of Mandarin (習 시, 趙 자오, 胡 후,
simplified forms too). Japanese names are read by other rules (菅 is 스가, 岸田
기시다) and are not here; nor are the one-character abbreviations of countries
and parties (美, 中, 日, 與, 野), which are not people.

>>> readings("尹"), readings("習"), readings("美")
(('윤', '인'), ('습', '시'), ())
"""

from __future__ import annotations

from collections.abc import Mapping

# One line per character: the Hanja, then its readings (Korean first, then Mandarin in Korean transcription).
_TABLE = """
金 김 금 | 李 이 리 | 朴 박 | 崔 최 추이 | 鄭 정 | 姜 강 장 | 趙 조 자오 | 尹 윤 인 | 張 장 | 林 임 림 린
韓 한 | 吳 오 우 | 徐 서 쉬 | 申 신 선 | 權 권 취안 | 黃 황 | 安 안 | 宋 송 쑹 | 柳 류 유 | 全 전 취안
洪 홍 훙 | 高 고 가오 | 文 문 원 | 孫 손 쑨 | 梁 양 량 | 裵 배 | 白 백 바이 | 曺 조 | 許 허 쉬 | 劉 유 류
南 남 난 | 沈 심 선 | 盧 노 로 루 | 河 하 허 | 丁 정 딩 | 郭 곽 궈 | 成 성 청 | 車 차 | 朱 주 | 禹 우 위
具 구 | 閔 민 | 羅 나 라 뤄 | 陳 진 천 | 池 지 | 嚴 엄 옌 | 蔡 채 차이 | 元 원 위안 | 千 천 | 方 방 팡
孔 공 쿵 | 玄 현 | 咸 함 | 卞 변 | 廉 염 렴 | 楊 양 | 邊 변 | 呂 여 려 뤼 | 秋 추 | 魯 노 | 都 도
蘇 소 쑤 | 愼 신 | 石 석 스 | 宣 선 | 薛 설 쉐 | 馬 마 | 吉 길 | 周 주 저우 | 延 연 | 房 방 | 魏 위 웨이
表 표 | 明 명 | 奇 기 | 潘 반 판 | 王 왕 | 琴 금 | 玉 옥 | 陸 육 륙 루 | 印 인 | 孟 맹 멍 | 鞠 국
余 여 위 | 胡 호 후 | 江 강 장 | 習 습 시 | 溫 온 원 | 賈 가 자 | 錢 전 첸 | 毛 모 마오 | 鄧 등 덩
蔣 장 | 葉 엽 예 | 范 범 판 | 彭 팽 펑 | 曾 증 쩡 | 謝 사 셰 | 唐 당 탕 | 董 동 둥 | 蕭 소 샤오
程 정 청 | 曹 조 차오 | 袁 원 위안 | 田 전 톈 | 杜 두 | 戴 대 다이 | 夏 하 샤 | 鍾 종 중 | 汪 왕
任 임 런 | 姚 요 야오 | 廖 요 랴오 | 邱 구 추 | 熊 웅 슝 | 薄 박 보 | 俞 유 위 | 龐 방 팡 | 何 하 허
于 우 위 | 馮 풍 펑 | 傅 부 푸 | 譚 담 탄 | 鄒 추 저우 | 郝 학 하오 | 康 강 캉 | 秦 진 친 | 史 사 스
顧 고 구 | 侯 후 허우 | 邵 소 사오 | 龍 용 룡 룽 | 萬 만 완 | 段 단 돤 | 雷 뇌 레이 | 湯 탕 | 黎 여 리
易 역 이 | 常 상 창 | 武 무 우 | 喬 교 차오 | 賀 하 허 | 賴 뢰 라이 | 龔 공 궁 | 閻 염 옌 | 栗 율 리
习 습 시 | 刘 유 류 | 张 장 | 陈 진 천 | 杨 양 | 赵 조 자오 | 黄 황 | 吴 오 우 | 孙 손 쑨 | 马 마
罗 나 라 뤄 | 郑 정 | 谢 사 셰 | 韩 한 | 冯 풍 펑 | 邓 등 덩 | 许 허 쉬 | 蒋 장 | 叶 엽 예 | 钟 종 중
汤 탕 | 温 온 원 | 萧 소 샤오 | 龙 용 룽 | 钱 전 첸 | 顾 고 구 | 乔 교 차오 | 贺 하 허 | 赖 뢰 라이
龚 공 궁 | 卢 노 루 | 苏 소 쑤 | 吕 여 뤼 | 贾 가 자 | 阎 염 옌 | 严 엄 옌 | 陆 육 루
"""


def _parse(table: str) -> dict[str, tuple[str, ...]]:
    entries: dict[str, tuple[str, ...]] = {}
    for entry in table.replace("\n", "|").split("|"):
        words = entry.split()
        if words:
            entries[words[0]] = tuple(words[1:])
    return entries


#: Hanja -> its readings in Hangul.
HANJA_READINGS: Mapping[str, tuple[str, ...]] = _parse(_TABLE)

#: A reading -> the Hanja read so (the keys a Hangul name is found by).
HANJA_BY_READING: Mapping[str, tuple[str, ...]] = {
    reading: tuple(hanja for hanja, readings in HANJA_READINGS.items() if reading in readings)
    for reading in {reading for readings in HANJA_READINGS.values() for reading in readings}
}


def readings(hanja: str) -> tuple[str, ...]:
    """The Hangul readings of a one-character Hanja surname (empty when it is not in the table)."""
    return HANJA_READINGS.get(hanja, ())
