"""Reading message text: question shape, acknowledgements, addressing, snippets and topics.

Pure functions over a message's content; no Discord objects. Mentions arrive either as
Discord markup (`<@123>`) or, in exports of IRC-style chat, as a leading `@nick`.
"""

from __future__ import annotations

import re

from bot.conversation.safety import neutralize_mentions, truncate

_CODE_BLOCK = re.compile(r"```.*?(?:```|$)", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_LEADING_AT = re.compile(r"^\s*(?:<@[!&]?\d+>|@[^\s:,]+)")
_WHITESPACE = re.compile(r"\s+")
_MAY_BE_STRIPPED = frozenset(" :,@<\t\n\r\x0b\x0c")  # first characters strip_leading_address may remove
_SIX_LETTERS = re.compile(r"[^\W\d_](?:[\W\d_]*[^\W\d_]){5}")  # at least six letters
_WORD = re.compile(r"[a-z][a-z0-9+#._-]*[a-z0-9+#]|[a-z]")

# Words that open a question when they start a sentence.
_QUESTION_OPENERS = frozenset(
    ["how", "what", "why", "where", "when", "who", "whom", "whose", "which", "is", "are", "am", "was", "were", "do", "does", "did", "can", "could", "should", "would", "will", "shall", "may", "might", "has", "have", "had", "isnt", "arent", "doesnt", "dont", "didnt", "cant", "couldnt", "wont", "wouldnt", "shouldnt", "anyone", "anybody", "someone", "somebody", "any"]
)
_QUESTION_PHRASES = re.compile(
    r"\b(?:any ?(?:one|body) (?:know|knows|here|have|has|got|use|tried|able|can|could|familiar)"
    r"|does (?:any ?(?:one|body)|some ?(?:one|body))"
    r"|can (?:any ?(?:one|body)|some ?(?:one|body)|i|you|u)\b"
    r"|could (?:any ?(?:one|body)|some ?(?:one|body)|you|u)\b"
    r"|is (?:there|it possible)|how (?:do|can|to|would|should|does) "
    r"|is there a way|need (?:some )?help|help me|please help|i need help|any ?(?:ideas|suggestions|advice)"
    r"|what(?:'s| is) the (?:best|right|command|way)|i(?:'m| am) (?:wondering|trying to figure))"
)
_ERROR_PASTE = re.compile(
    r"(?:traceback \(most recent call last\)|\b\w*(?:error|exception)\b:|segmentation fault"
    r"|\bE: |\bfatal:|command not found|permission denied|no such file or directory)",
    re.IGNORECASE,
)
_OTHER_THANKS = (
    r"gracias|merci|danke|dankje|dankjewel|bedankt|obrigad[oa]|grazie|arigato|arigatou|spasibo|dzi[eę]kuj[eę]"
    r"|dzieki|tack|takk|kiitos|te[sş]ekk[uü]rler|tysm|tyvm|ty+sm|thanx|thnx|much appreciated|appreciate it"
)
_ACK = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|k|kk|thanks?(?: you)?|thx|ty|tnx|thank u|cheers|cool|great|nice|perfect"
    r"|awesome|alright|right|got it|i see|ah+|oh+|aha|yes|yep|yeah|yup|no|nope|nah|sure|sweet"
    r"|that worked|it worked|works|worked|that did it|that fixed it|fixed|solved|lol|hehe|:\)|:-\)|;\)|"
    + _OTHER_THANKS + r")"
    r"[\s!.,:;)(]*)+$",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"(?:\b(?:thanks|thank you|thank u|thx|ty|tnx|cheers|that worked|it worked|that did it|that fixed it|"
    r"works now|solved|fixed it|" + _OTHER_THANKS + r")\b|ありがとう|谢谢|謝謝|감사합니다|고마워)",
    re.IGNORECASE,
)
# Thanks that close a conversation without an answer: "ok thanks anyway".
_THANKS_ANYWAY = re.compile(
    r"\b(?:thanks|thank you|thank u|thx|ty|cheers)\s*(?:you\s+)?(?:anyway|anyways|regardless|though|for trying"
    r"|for (?:looking|the effort|your time))\b",
    re.IGNORECASE,
)
# The asker says the problem went away by itself: "nvm, fixed it", "EDIT: solved", "got it working".
_SELF_SOLVED_LEAD = re.compile(
    r"^\W*(?:(?:ok|okay|oh|ah|edit|update)\W+)*"
    r"(?:(?:nvm|nevermind|never\s*mind)(?:\s*[,.!:;-]|\s*$|\s+(?:i|it|fixed|got|solved|figured|found)\b)"
    r"|(?:solved|fixed|resolved)\b)",
    re.IGNORECASE,
)
_SELF_SOLVED_PHRASE = re.compile(
    r"\b(?:fixed it|figured it out|got it (?:working|to work)|works now|solved it|sorted it"
    r"|it'?s working now|found (?:it|the (?:problem|issue|answer|solution|fix)))\b",
    re.IGNORECASE,
)
# What a bot command looks like: a prefix character glued to a word ("?tag venv", "!help", "$play").
_BOT_COMMAND = re.compile(r"^\s*[!?$%;~=+]{1,2}[a-z][\w-]*(?:\s|$)", re.IGNORECASE)
# Whole-group addresses: they address everyone, not one member.
_GROUP_ADDRESS = re.compile(r"^\s*(?:@everyone|@here|<@&\d+>)", re.IGNORECASE)
_FULL_WIDTH_QUESTION = str.maketrans({"？": "?", "؟": "?", "⸮": "?", "﹖": "?"})
_NO_SPACE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")  # kana, CJK, hangul
# Chatter and rhetoric shaped like questions: nobody needs help with these.
_SOCIAL = re.compile(
    r"^\W*(?:(?:lol|lmao|lmfao|rofl|haha+|hehe+|xd|omg|wtf|bruh|huh)\W+(?:\w+\W*){0,2}$"
    r"|how(?:'s| is| are| r)? (?:you|u|ya|y'all|yall|everyone|everybody|every1|it going|things|life|your (?:day|week|weekend))"
    r"|how (?:was|were) (?:your|ur|the) (?:day|week|weekend|holiday|trip|night)"
    r"|(?:what(?:'s|s| is)? ?up|wh?at'?s good|sup|wassup)(?:\s+(?:guys|all|everyone|everybody|folks|people|peeps|y'?all))?\W*$"
    r"|(?:any ?(?:one|body)|who(?:'s| is)?) (?:up for|wanna|want to|down (?:for|to)|else (?:here|up)|awake|online"
    r"|around|playing|joining|watching|free)"
    r"|who (?:wants|else wants) to (?:play|join|hang|watch|chat|talk)"
    r"|(?:is|isn't|isnt|ain't|wasn't|aren't|don't|doesn't) (?:it|this|that|he|she|they|you) (?:just )?(?:a |so |such |really )?"
    r"(?:lovely|beautiful|great|awesome|amazing|funny|crazy|weird|cool|nice|wonderful|terrible|awful|cute|hilarious)"
    r"|right\W*$|(?:amirite|ikr|am i right)\W*$)",
    re.IGNORECASE,
)

_STOP_WORDS = frozenset(
    ["a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "anyone", "anybody", "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "cannot", "could", "did", "do", "does", "doing", "done", "dont", "down", "during", "each", "else", "even", "ever", "few", "for", "from", "further", "get", "gets", "getting", "got", "had", "has", "have", "having", "he", "her", "here", "hers", "him", "his", "how", "i", "id", "if", "im", "in", "into", "is", "isnt", "it", "its", "itself", "ive", "just", "know", "like", "make", "me", "might", "more", "most", "much", "must", "my", "myself", "need", "needs", "no", "nor", "not", "now", "of", "off", "ok", "okay", "on", "once", "one", "only", "or", "other", "our", "out", "over", "own", "please", "really", "right", "same", "say", "see", "she", "should", "so", "some", "someone", "something", "still", "such", "sure", "than", "thank", "thanks", "that", "thats", "the", "their", "them", "then", "there", "these", "they", "thing", "things", "think", "this", "those", "though", "through", "thx", "to", "too", "try", "trying", "under", "until", "up", "use", "used", "using", "very", "want", "wants", "was", "way", "we", "well", "were", "what", "whats", "when", "where", "which", "while", "who", "whom", "why", "will", "with", "without", "wont", "would", "yes", "yet", "you", "your", "youre", "help", "hi", "hello", "hey", "guys", "anyone", "question", "work", "works", "working", "problem"]
)


def strip_code_and_urls(content: str) -> str:
    """The prose of a message: code blocks, inline code and links removed."""
    text = content
    if "`" in text:
        text = _CODE_BLOCK.sub(" ", text)
        text = _INLINE_CODE.sub(" ", text)
    return _URL.sub(" ", text)


def strip_leading_address(content: str) -> str:
    """Drop a leading `@nick` / `<@id>` (and a following `:` or `,`) from a message."""
    text = content
    while True:
        match = _LEADING_AT.match(text)
        if match is None:
            return text.lstrip(" :,")
        text = text[match.end() :].lstrip(" :,")


def starts_with_address(content: str) -> bool:
    """IRC-style addressing: the message opens with a mention."""
    return _LEADING_AT.match(content) is not None


def has_code_block(content: str) -> bool:
    return "```" in content


def looks_like_error_paste(content: str) -> bool:
    return has_code_block(content) or _ERROR_PASTE.search(content) is not None


def question_shape(content: str) -> bool:
    """Whether the text is shaped like a question (ignoring `?` inside code or links)."""
    prose = strip_leading_address(strip_code_and_urls(content)).strip()
    if not prose:
        return False
    if not prose.isascii():
        prose = prose.translate(_FULL_WIDTH_QUESTION)
    if "?" in prose:
        # A bare "?" or "what?" / "huh?" is a reaction, not a question.
        words = len(prose.split(None, 2))
        if words < 2 and (prose.isascii() or _NO_SPACE_SCRIPT.search(prose) is None):
            return False
        return _SIX_LETTERS.search(prose) is not None
    lowered = prose.lower()
    first = lowered.split(None, 1)[0].strip(",.!:;").replace("'", "")
    words = len(lowered.split())
    if first in _QUESTION_OPENERS and words >= 4 and first not in {"any", "is", "are", "am", "was", "were"}:
        return _QUESTION_PHRASES.search(lowered) is not None or first in {"how", "anyone", "anybody", "does"}
    return _QUESTION_PHRASES.search(lowered) is not None and words >= 3


def is_acknowledgement(content: str) -> bool:
    """Short replies such as "thanks", "ok", "that worked"."""
    if len(content) > 40 and content[:1] not in _MAY_BE_STRIPPED:
        return False  # nothing to strip in front, so the prose is as long as the message
    prose = strip_leading_address(content)
    return len(prose) <= 40 and _ACK.match(prose) is not None


def is_thanks(content: str) -> bool:
    """Gratitude or success words that resolve a question when the asker says them ("thanks
    anyway" closes a conversation without an answer, so it does not count)."""
    if _THANKS.search(content) is None:  # cheap first: the words must be there at all
        return False
    prose = strip_leading_address(content)
    return len(prose) <= 160 and _THANKS.search(prose) is not None and _THANKS_ANYWAY.search(prose) is None


def is_self_solved(content: str) -> bool:
    """The asker's own word that the problem is gone: "nvm, fixed it", "EDIT: solved"."""
    prose = strip_leading_address(content)[:200]
    if _SELF_SOLVED_LEAD.match(prose) is not None:
        return True
    return _SELF_SOLVED_PHRASE.search(prose) is not None and not question_shape(prose)


def is_bot_command(content: str) -> bool:
    """A command for another bot ("?tag venv", "!help"): never a question for members."""
    return _BOT_COMMAND.match(content) is not None


def addresses_group(content: str) -> bool:
    """Opens with @everyone, @here or a role mention: a call to everyone, not to one member."""
    return _GROUP_ADDRESS.match(content) is not None


def is_social(content: str) -> bool:
    """Chatter or rhetoric shaped like a question ("how are you all?", "anyone up for games
    tonight?", "lol what?", "isn't it lovely?"): nobody needs help with it."""
    prose = strip_leading_address(strip_code_and_urls(content)).strip()
    return _SOCIAL.search(prose[:120]) is not None


def snippet(content: str, limit: int) -> str | None:
    """The first `limit` characters, mentions neutralised, whitespace collapsed (None when 0)."""
    if limit <= 0:
        return None
    return truncate(neutralize_mentions(_WHITESPACE.sub(" ", content).strip()), limit)


def topics(content: str, limit: int = 5) -> tuple[str, ...]:
    """A few lowercase keywords (stop words, mentions, numbers and links removed)."""
    prose = strip_leading_address(strip_code_and_urls(content)).lower()
    prose = _USER_MENTION.sub(" ", prose)
    seen: list[str] = []
    for word in _WORD.findall(prose):
        word = word.strip("._-")
        if len(word) < 3 or word in _STOP_WORDS or word in seen:
            continue
        seen.append(word)
        if len(seen) == limit:
            break
    return tuple(seen)


_APPEAL = re.compile(
    r"\b(?:any ?(?:one|body)|some ?(?:one|body)|every ?(?:one|body)|guys|folks|people|all)\b"
    r"|^\s*(?:hi|hello|hey|hiya|yo|greetings|good (?:morning|evening|afternoon))\b",
    re.IGNORECASE,
)


def is_appeal(content: str) -> bool:
    """The message calls on everyone present ("anyone know...", "can someone", "hi all")."""
    return _APPEAL.search(strip_leading_address(content)) is not None


def content_words(content: str, limit: int = 24) -> frozenset[str]:
    """The distinct content words of a message (lowercase, stop words and short words dropped)."""
    words = _WORD.findall(strip_code_and_urls(content).lower(), 0)
    # a match starts with a letter and ends with a letter, digit, + or #: nothing to strip
    return frozenset(w for w in set(words[: 3 * limit]).difference(_STOP_WORDS) if len(w) > 2)


def share_a_word(a: str, b: str) -> bool:
    """Whether two messages have a word in common beyond stop words (two-letter words count:
    "vm", "qt")."""
    def words(content: str) -> set[str]:
        found = _WORD.findall(strip_code_and_urls(content).lower(), 0)
        return {w for w in found if len(w) > 1} - _STOP_WORDS

    return not words(a).isdisjoint(words(b))


def _bare(word: str) -> str:
    return word.strip(",:;.!?()<>\"'").lower()


def first_word(content: str) -> str:
    """The first word of a message, lowercased, punctuation around it removed."""
    parts = content.split(None, 1)
    return _bare(parts[0]) if parts else ""


_HAS_ALNUM = re.compile(r"[^\W_]")
_EMOTICON = re.compile(r"^(?:[:;=8][-o'^]?[)(\]\[DPpdO03/\\|*]+|[xX]D+)$")


_OBJECT_LEADS = frozenset(
    ["a", "an", "the", "my", "your", "his", "her", "our", "their", "its", "in", "on", "at", "with", "for", "of", "to", "from", "by", "about", "into", "onto", "than", "like", "using", "under", "over", "via"]
)


def last_word(content: str, *, as_address: bool = False) -> str:
    """The last word of a message, lowercased, punctuation around it removed; trailing emoticons and
    punctuation-only tokens are passed over ("try LXDE bob :-)" ends with "bob"). With `as_address`,
    "" when the word is the object of a preposition or determiner ("works fine in ubuntu", "my
    ubuntu"): a word there names a thing, not the member being spoken to."""
    parts = content.rsplit(None, 2)
    if parts and not (parts[-1][0].isalnum() and parts[-1].lower() != "xd"):  # not the usual plain word
        parts = content.rsplit(None, 4)  # an emoticon or a lone "!" at the end: look further back
        while parts and (_HAS_ALNUM.search(parts[-1]) is None or _EMOTICON.match(parts[-1]) is not None):
            parts.pop()
    if not parts or (as_address and len(parts) > 1 and _bare(parts[-2]) in _OBJECT_LEADS):
        return ""
    return _bare(parts[-1])


CORRECTION_WORDS = frozenset({"sorry", "sry", "oops"})  # a correction names the member meant


def word_after_lead(content: str) -> str:
    """The second word when the first is a correction ("sorry bob, nettop", "oops jdub"), else ""."""
    parts = content[:60].split(None, 2)
    if len(parts) < 2 or len(parts[0]) > 6 or _bare(parts[0]) not in CORRECTION_WORDS:
        return ""
    return _bare(parts[1])


_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|heya|hiya|hola|howdy|yo|greetings|morning|evening|good (?:morning|evening|afternoon|day))\b",
    re.IGNORECASE,
)


def is_greeting(content: str) -> bool:
    """A bare greeting ("hi all", "hello everyone!"): no part of the question that may follow it."""
    if len(content) > 60:
        return False
    return _GREETING.match(strip_leading_address(content)) is not None and len(content.split()) <= 3


_GREETING_BACK = re.compile(
    r"^\s*(?:hi+|hello+|hey+|heya|hiya|hai|hola|howdy|yo|'?ello|o/|\\o)(?:\s+(?:there|again|to you|back))?"
    r"[\s!.:;)(D-]*$",
    re.IGNORECASE,
)


def is_greeting_back(content: str) -> bool:
    """A greeting to nobody in particular and to no group ("hi", "hello!", "hey there"): said back to
    someone who just greeted, where "hi all" would greet the room."""
    return len(content) <= 24 and _GREETING_BACK.match(content) is not None


_YES_NO = re.compile(
    r"^\s*(?:yes|yeah|yea|yep|yup|no|nope|nah|sure|true|false|correct|indeed|of course|it (?:is|does|can|will))\b",
    re.IGNORECASE,
)
_WH_WORD = re.compile(r"^\s*(?:what|how|why|where|when|which|who|whom|whose)\b", re.IGNORECASE)


def is_yes_no_answer(content: str) -> bool:
    """A short reply that opens with yes or no ("yes", "sure", "nope, it does not"), itself no question."""
    return len(content) <= 80 and "?" not in content and len(content.split()) <= 8 and _YES_NO.match(content) is not None


_AGREEMENT = re.compile(
    r"^\s*(?:(?:hmm+|ah+|oh+)[,.]?\s*)?(?:true|correct|indeed|exactly|agreed|right|yes it (?:is|does)"
    r"|no it (?:isn't|isnt|doesn't|doesnt|is not|does not))(?=\s*(?:[.!,;:)]|$))",
    re.IGNORECASE,
)


def is_agreement(content: str) -> bool:
    """A short verdict on what was just said ("True", "hmm, right", "exactly.", "no it doesn't")."""
    return len(content) <= 80 and "?" not in content and _AGREEMENT.match(content) is not None


_CLARIFY = re.compile(
    r"^\s*(?:what|huh|eh|pardon|wut|wat|what do you mean|what was that for|what's that|come again)\s*\?[?!.]*\s*$",
    re.IGNORECASE,
)


def is_clarification(content: str) -> bool:
    """A bare request to explain what was just said ("what?", "what do you mean?", "huh?")."""
    return len(content) <= 40 and _CLARIFY.match(content) is not None


def is_yes_no_question(content: str) -> bool:
    """A question one member can answer with yes or no ("can you use rsync with windows?", "it's
    installed by default?"): it ends with "?", opens with no wh-word and calls on nobody in general."""
    stripped = content.rstrip()
    return stripped.endswith("?") and _WH_WORD.match(stripped) is None and not is_appeal(stripped)


_REFERS_BACK = re.compile(r"\b(?:this|that|it|these|those|them)\b", re.IGNORECASE)


def refers_back(content: str) -> bool:
    """The text points back at something said before ("how would i do that?", "anyone seen this?")."""
    return _REFERS_BACK.search(strip_code_and_urls(content)) is not None


_YOU = re.compile(r"\b(?:you|u|ya|your|ur|yours|youre|you're)\b", re.IGNORECASE)


def addresses_you(content: str) -> bool:
    """The text speaks to someone in the second person ("are u sure?", "did you reboot?")."""
    return _YOU.search(strip_code_and_urls(content)) is not None
