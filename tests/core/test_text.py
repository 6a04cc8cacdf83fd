from bot.conversation import text
from bot.conversation.safety import has_live_mention


def test_question_mark_makes_a_question() -> None:
    assert text.question_shape("how do I mount an nfs share on boot?")
    assert text.question_shape("does this driver work with 24.04?")


def test_question_words_without_mark() -> None:
    assert text.question_shape("how do I get the wifi card working")
    assert text.question_shape("anyone know a good rar extractor")
    assert text.question_shape("is there a way to keep the panel on top")
    assert text.question_shape("can someone help me with grub")


def test_mark_inside_url_or_code_is_not_a_question() -> None:
    assert not text.question_shape("see https://example.com/page?id=3 for details")
    assert not text.question_shape("run `ls -la /tmp?` and paste it")
    assert not text.question_shape("```\nif x?\n```")


def test_bare_or_one_word_question_marks_are_reactions() -> None:
    assert not text.question_shape("?")
    assert not text.question_shape("what?")
    assert not text.question_shape("huh??")


def test_statements_are_not_questions() -> None:
    assert not text.question_shape("ubuntu is so great")
    assert not text.question_shape("I installed the driver yesterday")


def test_leading_address_is_ignored_for_shape() -> None:
    assert text.question_shape("@bob which kernel version are you on?")
    assert text.starts_with_address("@bob which version?")
    assert text.starts_with_address("<@123> which version?")
    assert not text.starts_with_address("which version @bob?")
    assert text.strip_leading_address("<@1> <@2>: hello there") == "hello there"


def test_acknowledgements_and_thanks() -> None:
    assert text.is_acknowledgement("ok")
    assert text.is_acknowledgement("thanks!")
    assert text.is_acknowledgement("@bob ok thanks :)")
    assert not text.is_acknowledgement("ok so how do I configure it then")
    assert text.is_thanks("that worked, thank you")
    assert not text.is_thanks("I tried apt-get but it failed")


def test_snippet_neutralises_collapses_and_truncates() -> None:
    s = text.snippet("hey <@123>   and @everyone\n\nhow do I <#55> ?", 140)
    assert s is not None
    assert not has_live_mention(s)
    assert "  " not in s and "\n" not in s
    long = text.snippet("word " * 100, 20)
    assert long is not None and len(long) == 20 and long.endswith("…")
    assert text.snippet("anything", 0) is None


def test_topics_drop_stop_words_and_links() -> None:
    got = text.topics("How do I mount an NFS share on boot? see https://nfs.example.org/x")
    assert got[:3] == ("mount", "nfs", "share")
    assert all(t == t.lower() for t in got)
    assert not any("example" in t for t in got)


def test_first_and_last_word() -> None:
    assert text.first_word("Bob: try this") == "bob"
    assert text.last_word("ic jdub.") == "jdub"
    assert text.last_word("try LXDE Gremuchnik :-)") == "gremuchnik"
    assert text.last_word("thanks jdub xD ;)") == "jdub"
    assert text.last_word("I run XP") == "xp" and text.last_word(":) :)") == ""
    assert text.last_word("works fine in ubuntu", as_address=True) == ""
    assert text.last_word("works fine in ubuntu") == "ubuntu"
    assert text.last_word("try that bob :)", as_address=True) == "bob"
    assert text.first_word("") == "" and text.last_word("   ") == ""
    assert text.word_after_lead("sorry Tex-Twil, nettop") == "tex-twil"
    assert text.word_after_lead("Oops bob: wrong one") == "bob"
    assert text.word_after_lead("thanks bob") == "" and text.word_after_lead("sorry") == ""


def test_content_words_skip_stop_words_code_and_links() -> None:
    got = text.content_words("Try `sudo apt purge nvidia*` then reboot, see https://help.ubuntu.com/nvidia")
    assert "reboot" in got and "nvidia" not in got and "try" not in got and "see" not in got
    assert text.content_words("ok thanks") == frozenset()
    assert len(text.content_words(" ".join(f"word{i}" for i in range(100)))) <= 72


def test_appeals_call_on_everyone() -> None:
    assert text.is_appeal("does anyone know how to fix grub?")
    assert text.is_appeal("hi all, quick question")
    assert text.is_appeal("<@5> can somebody check this")
    assert not text.is_appeal("you need the 6.8 kernel for that card")


def test_a_greeting_said_back() -> None:
    assert text.is_greeting_back("hi") and text.is_greeting_back("Hello!") and text.is_greeting_back("hey there :)")
    assert text.is_greeting_back("'ello") and text.is_greeting_back("o/")
    assert not text.is_greeting_back("hi all") and not text.is_greeting_back("hello everyone")
    assert not text.is_greeting_back("hello ?") and not text.is_greeting_back("hey, can someone help me")


def test_yes_no_answers_questions_and_verdicts() -> None:
    assert text.is_yes_no_answer("sure") and text.is_yes_no_answer("nope, it does not")
    assert not text.is_yes_no_answer("yes?") and not text.is_yes_no_answer("notepad works")
    assert text.is_yes_no_question("can you use rsync with a windows machine?")
    assert text.is_yes_no_question("apparently Ubuntu installs recommended packages by default?")
    assert not text.is_yes_no_question("which version do you run?")
    assert not text.is_yes_no_question("does anyone know if rsync works on windows?")  # asks everyone
    assert text.is_agreement("True") and text.is_agreement("hmm, right") and text.is_agreement("exactly.")
    assert not text.is_agreement("right-click it") and not text.is_agreement("right now it fails")
    assert text.is_clarification("what?") and text.is_clarification("What do you mean?")
    assert not text.is_clarification("what is lvm?") and not text.is_clarification("huh.")
