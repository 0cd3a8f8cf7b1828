"""Texts made from marked templates (reasons, errors' details, a re-plan's changes) read whole in
Chinese, a reason inside a reason too; English and unknown texts stay as they are."""

from __future__ import annotations

import time

from scheduler.i18n import Names, Translator, filled_in, name_map

NESTED = (
    "day full: operation 'work': no maintenance technician with grade >= 1 (apprentice) has the 60 min"
    " it takes them in one piece after 08:00 (longest free stretch 0 min)"
)


def test_a_reason_inside_a_reason_reads_in_chinese() -> None:
    zh = Translator("zh-CN")
    assert zh.phrase(NESTED) == (
        "当天已满：工序「work」：08:00 之后没有一名 1 级（学徒）及以上的保养技师"
        "有连续 60 分钟的空闲（最长空闲 0 分钟）"
    )
    taken = NESTED + " (taken by 2 higher-priority bookings among others)"
    assert zh.phrase(taken).endswith("（其中有 2 个更高优先级的预约占用）")
    assert zh.phrase("at risk since a workshop change: the workshop is closed on 2026-11-24") == (
        "因车间设置变更而有风险：车间在 2026-11-24 休息"
    )


def test_the_bundled_skills_read_in_chinese() -> None:
    """A reason named the technician by his skill in English ("…及以上的maintenance技师"): the skills
    of the bundled scenarios read in Chinese; a workshop's own skill stays as written."""
    zh = Translator("zh-CN")
    for skill, chinese in [("maintenance", "保养"), ("diagnosis", "诊断"), ("mechanical", "机修"),
                           ("electrical", "电工"), ("hv", "高压电"), ("paint", "喷漆")]:  # fmt: skip
        reason = f"no {skill} technician grade >= 2 has 90 min before 18:30 (longest free 30 min)"
        assert (
            zh.phrase(reason)
            == f"没有一名 2 级及以上的{chinese}技师在 18:30 之前有连续 90 分钟的空闲（最长空闲 30 分钟）"
        )
    assert "的 tyre 技师" in zh.phrase(
        "no tyre technician grade >= 2 has 90 min before 18:30 (longest free 30 min)"
    )


def test_errors_and_changes_read_in_chinese() -> None:
    zh = Translator("zh_CN")
    assert zh.phrase("unknown plan of 'tiny' for 2026-11-24") == "车间 'tiny' 在 2026-11-24 还没有排程"
    assert (
        zh.phrase("Value error, unknown IANA time zone 'Mars/Base'") == "值错误：未知的 IANA 时区 'Mars/Base'"
    )
    assert zh.phrase("Input should be greater than or equal to 1") == "应大于或等于 1"
    assert zh.phrase("BK-1 op 1 (oil): G1/t 08:00-09:00 -> G1/t 08:00-10:00") == (
        "BK-1 工序 1（oil）：G1/t 08:00-09:00 → G1/t 08:00-10:00"
    )


def test_english_and_unknown_texts_stay_as_they_are() -> None:
    assert Translator("en").phrase(NESTED) == NESTED
    zh = Translator("zh-CN")
    for text in ("", "something no template made", "(unbalanced", "G1 · general"):
        assert zh.phrase(text) == text


def test_a_long_hostile_part_is_matched_in_linear_time() -> None:
    """An id from outside fills a template (a 404's "unknown booking %(id)r"). Made of another
    template's separators, it sent the lazy groups of the templates' regular expressions into
    backtracking of degree 5 in its length: 1,500 characters took 6 s of CPU, 3,000 minutes,
    the GIL held all along (one request froze the server)."""
    zh = Translator("zh-CN")
    hostile = "'" + ", x from y: 1 days x " * 70 + "'"
    started = time.process_time()
    assert zh.phrase(f"unknown booking {hostile}") == f"未知的预约 {hostile}"
    assert zh.phrase(hostile) == hostile
    assert time.process_time() - started < 0.5


def test_a_long_text_from_outside_is_translated_but_not_remembered() -> None:
    """The translations are remembered per text (8,192 of them), and an id from outside may be as
    long as a request line (16 KB): 8,192 such 404s in Chinese held some 600 MB for good."""
    from scheduler import i18n

    zh = Translator("zh-CN")
    cached = i18n._remembered.cache_info().currsize
    long_id = "'" + "x" * 10_000 + "'"
    assert zh.phrase(f"unknown booking {long_id}") == f"未知的预约 {long_id}"
    assert i18n._remembered.cache_info().currsize == cached
    assert zh.phrase("unknown booking 'BK-1'") == "未知的预约 'BK-1'"  # short texts are remembered
    assert i18n._remembered.cache_info().currsize > cached


def test_a_clock_refusal_reads_whole_in_chinese() -> None:
    """The booking-and-operation template took the rest of a sentence as the operation ("预约 B 的
    工序 该预约的工序 0 完工之前，1 不能开工"), and the first of a list of them as all of it."""
    zh = Translator("zh-CN")
    assert zh.phrase(
        "booking B operation 2 (spray) cannot start before its operation 1 (sand) is finished"
    ) == ("该预约的工序 1（sand）完工之前，预约 B 的工序 2（spray）不能开工")
    assert (
        zh.phrase(
            "no bay free for booking B operation 2 (spray) at 08:00: its bays (G1, G2) hold work in progress"
            " (booking C operation 1 (oil); booking D operation 2 (spray))"
        )
        == "08:00 没有空闲工位给预约 B 的工序 2（spray）：它可用的工位（G1, G2）上有进行中的工作"
        "（预约 C 的工序 1（oil）；预约 D 的工序 2（spray））"
    )
    assert zh.phrase("booking B operation 1 (oil) was already started") == "预约 B 的工序 1（oil）已经开工"


def test_clock_refusals_naming_a_booking_operation_first_read_whole_in_chinese() -> None:
    """A refusal that begins with "booking B operation N" is the refusal's template filled in, not
    the booking's operation with the rest of the refusal taken for its number."""
    zh = Translator("zh_CN")
    assert zh.phrase(
        "booking b1 operation 2 (work) cannot start before its operation 1 (check) is finished"
    ) == ("该预约的工序 1（check）完工之前，预约 b1 的工序 2（work）不能开工")
    clocked = zh.phrase("booking b1 operation 1 (check) is clocked by t1, not t2")
    assert clocked == "预约 b1 的工序 1（check）由 t1 打卡，不是 t2"


def test_a_list_of_texts_reads_item_by_item_before_a_template_takes_it_whole() -> None:
    """A list ("; ") of texts each of which reads in Chinese is read item by item: a template that
    begins or ends open took the separator and the next item into its last part ("预约 C 的工序 1
    （check）；technician t is（booking D …）", review-s14 R8); names and ids stay as given, an
    operation named "oil and filter" is no "%(a)s and %(b)s" ("oil，并filter")."""
    zh = Translator("zh_CN")
    assert (
        zh.phrase(
            "booking C operation 1 (check); technician t is on booking D operation 2 (work) at 09:05:"
            " finish or pause it first"
        )
        == "预约 C 的工序 1（check）；技师 t 在 09:05 正在做预约 D 的工序 2（work）：请先完工或暂停"
    )
    assert zh.phrase(
        "no bay free for booking B operation 1 (oil and filter) at 08:10: its bays (G1, G2) hold work"
        " in progress"
        " (booking C operation 1 (oil and filter); booking D operation 2 (road test))"
    ) == (
        "08:10 没有空闲工位给预约 B 的工序 1（oil and filter）：它可用的工位（G1, G2）上有进行中的工作"
        "（预约 C 的工序 1（oil and filter）；预约 D 的工序 2（road test））"
    )


def test_the_operations_a_booking_carries_over_are_listed_as_chinese_lists_them() -> None:
    """review-s15 R5: "工序 2, 3（body, paint）" read ASCII commas inside a Chinese sentence; a Chinese
    enumeration joins its items with "、". The operations' names are data and stay as given, as in the
    re-plan's change for the same operation ("工序 2（body）：… 已移除（顺延到以后的日子）"), the phone page
    and the job cards (they read "钣金、喷漆" on the same page)."""
    carried = "ops 2, 3 (body, paint) do not fit today after the clocked work: they carry over to a later day"
    assert Translator("zh-CN").phrase(carried) == (
        "工序 2、3（body、paint）在已打卡的工作之后今天排不下：顺延到以后的日子"
    )
    own = carried.replace("2, 3 (body, paint)", "2, 3, 4 (polish, seal, dry)")
    assert Translator("zh-CN").phrase(own).startswith("工序 2、3、4（polish、seal、dry）在已打卡")
    assert Translator("en").phrase(carried) == carried
    one = "op 2 (repair) does not fit today after the clocked work: it carries over to a later day"
    assert Translator("zh-CN").phrase(one) == "工序 2（repair）在已打卡的工作之后今天排不下：顺延到以后的日子"
    # a reason stored before the singular: still read
    one = "ops 2 (repair) do not fit today after the clocked work: they carry over to a later day"
    assert Translator("zh-CN").phrase(one) == "工序 2（repair）在已打卡的工作之后今天排不下：顺延到以后的日子"
    change = "BK-1 op 2 (body): B1/zhao 16:00-18:00 removed (carried over to a later day)"
    assert (
        Translator("zh-CN").phrase(change)
        == "BK-1 工序 2（body）：B1/zhao 16:00-18:00 已移除（顺延到以后的日子）"
    )


def test_many_leading_rule_tags_end_in_the_text_as_it_is_not_a_recursion_error() -> None:
    """Each leading "[tag] " was read without counting towards the depth limit: some 250 of them
    (a hostile argument echoed in an error) raised RecursionError, a traceback in zh (review-s17 I1)."""
    zh = Translator("zh-CN")
    hostile = "[a] " * 300 + "y"
    assert zh.phrase(hostile) == hostile


def test_an_operations_name_in_a_room_reason_stays_as_the_workshop_wrote_it() -> None:
    """review-s24: the planner's room reasons quote an operation's name ("for operation '%(operation)s',
    …", "operation '%(operation)s': …"); the desk's "Why not other times?" and a multi-day refusal's
    "day …:" show them to the advisor. The name was read as a text of its own: "strip and body" came
    out "strip，并钣金", "oil and filter" "oil，并 filter", "paint" "喷漆" while "reassembly" stayed.
    A name is data: as given, like a booking's or a technician's."""
    zh = Translator("zh_CN")
    assert zh.phrase(
        "day 2026-11-25: no body technician grade >= 1 has 180 min before 17:00"
        " (for operation 'strip and body', longest working block 150 min)"
    ) == (
        "2026-11-25 当天：没有一名 1 级及以上的钣金技师在 17:00 之前有连续 180 分钟的空闲"
        "（工序「strip and body」，最长连续工作时段 150 分钟）"
    )
    assert zh.phrase(
        "no paint technician grade >= 1 has 150 min before 17:00 (for operation 'paint', from 16:00,"
        " longest working block 60 min)"
    ).endswith("（工序「paint」，16:00 起，最长连续工作时段 60 分钟）")
    assert zh.phrase("the workshop has no paint bays (operation 'body and filler')") == (
        "车间没有喷漆工位（工序「body and filler」）"
    )


def _names() -> Names:
    return Names(
        things=name_map(
            [("first service", "首保"), ("Li Na", "李娜"), ("repair", "维修"), ("repair", "修理")]
        ),
        labels=name_map([("ev", "新能源"), ("hv_check", "高压检测"), ("general", "General")]),
    )


def test_the_workshops_names_read_into_a_sentence_in_chinese() -> None:
    """zh-s28: a filled-in operation name the catalog does not know ("first service") read English
    inside the Chinese sentence; the workshop's own names (`Names`) are read into it."""
    zh = Translator("zh-CN").named(_names())
    assert zh.phrase("booking B1 operation 1 (first service)") == "预约 B1 的工序 1（首保）"
    assert (
        Translator("zh-CN").phrase("booking B1 operation 1 (first service)")
        == "预约 B1 的工序 1（first service）"
    )
    reason = (
        "no hv_check technician grade >= 2 has 90 min before 17:30"
        " (for operation 'first service', longest free 30 min)"
    )
    assert zh.phrase(reason) == (
        "没有一名 2 级及以上的高压检测技师在 17:30 之前有连续 90 分钟的空闲（工序「首保」，最长空闲 30 分钟）"
    )
    # bay kinds: the workshop's own, the catalog's word for a built-in one unless the workshop names it
    assert zh.phrase("the workshop has no ev/express bays (operation 'first service')") == (
        "车间没有新能源/快修工位（工序「首保」）"
    )
    assert Translator("zh-CN").phrase("ev bays +1") == "ev 工位 +1"
    assert zh.phrase("ev bays +1") == "新能源工位 +1"
    # an overbooking pool, skill:grade: its skill as the workshop or catalog names it
    assert zh.phrase("overbooking allowance 10 % of ev:3 pool used up").startswith("新能源:3 技师池")
    assert zh.phrase("overbooking allowance 10 % of maintenance:2 pool used up").startswith("保养:2 技师池")


def test_a_name_is_read_only_whole_and_an_ambiguous_one_as_given() -> None:
    zh = Translator("zh-CN").named(_names())
    # "repair" is 维修 in one service and 修理 in another: which is meant is unknown
    assert "（repair）" in zh.phrase("booking B1 operation 2 (repair)")
    # a name inside a longer filled-in part is not replaced: "first service check" is not "首保 check"
    assert "first service check" in zh.phrase("booking B1 operation 1 (first service check)")
    # an id that is a name elsewhere is still an id where the template takes an id
    assert zh.thing("Li Na") == "李娜" and zh.thing("Wang Fang") == "Wang Fang"


def test_english_sentences_keep_the_identifiers_and_english_names() -> None:
    en = Translator("en").named(Names(things=name_map([("first service", "First service (free)")])))
    text = "booking B1 operation 1 (first service)"
    assert en.phrase(text) == text
    assert en.label("ev") == "ev" and Translator("zh-CN").label("paint") == "喷漆"


def test_an_id_equal_to_a_things_english_name_stays_the_id() -> None:
    """review-s28: the workshop's names were read into every placeholder that keeps its value as given
    (VERBATIM), ids too: with a technician named "P01" (the paint bay's id) 李工, "bay P01" read
    "工位李工", and booking "B7" read as the service "B7" named 保养. Only a placeholder that holds a
    name (an operation's: `name`, `operation`, `operation_names`) is read as the workshop names it."""
    zh = Translator("zh-CN").named(Names(things=name_map([("P01", "李工"), ("B7", "保养"), ("2", "二保")])))
    assert zh.phrase("bay P01") == Translator("zh-CN").phrase("bay P01")
    assert "李工" not in zh.phrase("bay P01")
    assert zh.phrase("booking B7 operation 1 (P01)") == "预约 B7 的工序 1（李工）"
    # an operation's index is no name either ("operation 2" is the third, not the one named "2")
    assert zh.phrase("booking B7 operation 2 (P01)") == "预约 B7 的工序 2（李工）"


def test_an_empty_kind_or_label_is_never_the_catalogs_header() -> None:
    """review-s28: gettext("") is the catalog's header (Project-Id-Version: …): a "kinds" part with an
    empty item ("/") and `label("")` read it into the sentence."""
    zh = Translator("zh-CN")
    assert "Project-Id-Version" not in zh.phrase("the workshop has no / bays (operation 'x')")
    assert "Project-Id-Version" not in zh.named(_names()).phrase(
        "the workshop has no ev/ bays (operation 'x')"
    )
    assert zh.label("") == "" and zh.named(_names()).label("") == ""


def test_a_quoted_value_from_outside_reads_as_sent_and_an_empty_item_is_no_header() -> None:
    """review-s28: `GET …/slots?service=a; ; b` in Chinese answered "未知的服务代码 'a；Project-Id-Version:
    bayplan 0.1.0 …": the quoted value (a %r placeholder: an echo, an id) was read as a text, split
    as a list, and its empty item read as gettext(""), the catalog's header."""
    zh = Translator("zh-CN")
    for sent in ("a; ; b", "x, , y"):
        text = f"unknown service code {sent!r} (known: LUBE, MAINT)"
        read = zh.phrase(text)
        assert "Project-Id-Version" not in read, read
        assert repr(sent) in read and read != text, read  # the sentence in Chinese, the value as sent
    assert "Project-Id-Version" not in zh.phrase("a; ; b") and "Project-Id-Version" not in zh.phrase("x, , y")


def test_a_value_from_outside_with_a_lone_bracket_still_reads_in_chinese() -> None:
    """fuzz-s40: a URL, id or name sent with a lone bracket kept the whole sentence English (the
    matcher wants every filled-in part's brackets paired). The value is read as sent; the sentence
    around it is Chinese, the other parts still split where the words are."""
    zh = Translator("zh-CN")
    read = zh.phrase("not a URL: http://[::1 (Invalid IPv6 URL)")
    assert read.startswith("不是有效的网址") and "http://[::1" in read, read
    read = zh.phrase("unknown service code 'OIL(' (known: LUBE, MAINT)")
    assert read.startswith("未知的服务代码") and "'OIL('" in read, read
    # a text no template made stays as it is, bracket or not
    assert zh.phrase("what (is this") == "what (is this"


def test_the_csv_columns_a_refusal_expects_stay_the_columns_to_write() -> None:
    """review-s28: a bookings import with an unknown column was told in Chinese to write
    "服务项目，drop_off，等候客户，…": the column names read as words, which the header then refuses."""
    read = Translator("zh-CN").phrase("unknown column; expected some of service, drop_off, waiter, customer")
    assert "service, drop_off, waiter, customer" in read and "服务项目" not in read, read
    assert read.startswith("未知的列"), read


def test_the_validators_skill_rule_names_skills_and_kinds_as_the_workshop_does() -> None:
    """zh-s29: the validator's "… has grade 3 and body, maintenance" read its skills as texts (the
    catalog's words, never the workshop's `skill_names`, joined by "，"), its "booth or express" was
    left as written, and an operation named with "and" kept the rule from reading as its template."""
    names = Names(
        things=name_map([("spray and bake", "喷烤漆")]),
        labels=name_map([("refinish", "烤漆"), ("body", "钣金修复"), ("booth", "烤漆房")]),
    )
    zh = Translator("zh-CN").named(names)
    label = "booking B1 op 1 (spray and bake) on bay G1 with P01 08:45..10:15"
    skills = f"{label}: spray and bake needs skill refinish grade >= 2, P01 has grade 3 and body, maintenance"
    assert zh.phrase(skills) == (
        "预约 B1 工序 1（喷烤漆），工位 G1，技师 P01，08:45..10:15：喷烤漆需要 2 级及以上的烤漆技能，"
        "P01 是 3 级，技能为钣金修复、保养"
    )
    # without the workshop's names: the catalog's words, the rest as written
    assert (
        Translator("zh-CN")
        .phrase(skills)
        .endswith("spray and bake 需要 2 级及以上的 refinish 技能，P01 是 3 级，技能为钣金、保养")
    )
    kinds = f"{label}: bay G1 is general, spray and bake needs booth or express"
    assert zh.phrase(kinds).endswith("：工位 G1 是通用工位，喷烤漆需要烤漆房或快修工位")
    assert Translator("zh-CN").phrase(kinds).endswith("spray and bake 需要 booth 或快修工位")
    assert Translator("en").named(names).phrase(skills) == skills


def test_a_template_word_in_a_name_does_not_pass_a_sentence_for_a_name() -> None:
    """A joining word ("and") may be in a name; a template's other words still keep a sentence out of
    a name's place ("booking B operation 1 …" is not an operation's name)."""
    template = "%(operation)s needs skill %(skill)s, has grade %(has)s and %(skills)s"
    text = "oil and filter needs skill x, has grade 2 and y"
    found = {"operation": "oil and filter", "skill": "x", "has": "2", "skills": "y"}
    assert filled_in(template, text) == found
    # a placeholder that holds no name still refuses the word
    assert filled_in(template.replace("operation", "what"), text) is None
    refused = "booking B1 operation 1 cannot start before operation 0 of the booking is finished"
    assert filled_in("booking %(booking)s operation %(operation)s", refused) is None
    oil = Translator("zh-CN").phrase("booking B1 operation 1 (oil and filter)")
    assert oil == "预约 B1 的工序 1（oil and filter）"


def test_a_staffing_candidates_team_reads_as_the_workshop_names_it() -> None:
    """zh-s29: "paint g2 +1" and the search's other candidates kept the team's identifier and their
    English in Chinese; the team reads as the workshop labels that identifier, else the catalog."""
    zh = Translator("zh-CN").named(Names(labels=name_map([("paint", "烤漆")])))
    assert zh.phrase("paint g2 +1, general bays +2") == "烤漆组 2 级 +1 人，通用工位 +2"
    assert Translator("zh-CN").phrase("paint g2 +1") == "喷漆组 2 级 +1 人"
    assert zh.phrase("mechanical shift -30 min") == "机修组班次 -30 分钟"
    assert zh.phrase("paint off Sundays") == "烤漆组周日休息"
    assert zh.phrase("body rota: half off Sat, half off Sun") == "钣金组轮休：一半周六休、一半周日休"
    assert zh.phrase("express g1 +1 on an early shift") == "快修组 1 级早班 +1 人"
    assert zh.phrase("mechanical grade 3") == "机修组 3 级"
    # a shaped template takes only its shapes: not a sentence that merely ends like one
    assert zh.phrase("no paint g2 +1 here") == "no paint g2 +1 here"


def test_one_identifier_named_two_ways_as_a_kind_and_as_a_skill_reads_each_in_its_place() -> None:
    """zh-s29: a workshop calling its paint bays 烤漆房 and the paint trade 喷漆 got neither name (one
    map of labels left the identifier out as ambiguous); a place that says which reads that one."""
    names = Names(
        labels=name_map([("paint", "烤漆房"), ("paint", "油漆")]),
        kinds=name_map([("paint", "烤漆房")]),
        skills=name_map([("paint", "油漆")]),
    )
    zh = Translator("zh-CN").named(names)
    assert zh.phrase("the workshop has no paint bays (operation 'x')") == "车间没有烤漆房工位（工序「x」）"
    reason = "no paint technician grade >= 2 has 90 min before 18:30 (longest free 30 min)"
    assert zh.phrase(reason).startswith("没有一名 2 级及以上的油漆技师")
    assert zh.phrase("paint g2 +1") == "油漆组 2 级 +1 人"
    assert zh.kind_label("paint") == "烤漆房" and zh.skill_label("paint") == "油漆"
    assert zh.label("paint") == "喷漆"  # which one is unknown: the catalog's word
