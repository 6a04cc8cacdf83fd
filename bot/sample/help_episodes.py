"""Help episodes: a question in a channel or a thread and what follows it, and forum posts.

The answers come by reply, mention, plain follow-up or in a thread; some questions stay
unanswered, some are thanked or get a ✅ on the answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.sample import phrases as P
from bot.sample.community import Channel, Member
from bot.sample.episodes import Episodes, Posted


def question(ep: Episodes, channel: Channel, topic_key: str, at: datetime) -> None:
    rng = ep.rng
    topic = P.TOPIC_BY_KEY[topic_key]
    asker = ep.by_topic[topic_key].pick(rng)
    if asker is None:
        return
    index = rng.randrange(len(topic.problems))
    text = rng.choice(P.QUESTION_TEMPLATES).format(
        problem=topic.problems[index], thing=rng.choice(topic.things)
    )
    asked = ep.post(channel, asker, at, text)
    if rng.random() < 0.1:
        asked.data["attachments"].append(_attachment(ep.ids.next(at)))
    if rng.random() < ep.unanswered_share:
        if rng.random() < 0.25:
            ep.post(
                channel,
                asker,
                ep.later(at, 1800, 7200),
                rng.choice(("anyone?", "bump", "still stuck on this")),
            )
        return
    answerer = ep.helpers[topic_key].pick(rng, exclude=(asker, ep.bot))
    if answerer is None:
        return
    fix = topic.fixes[index]
    answer_text = rng.choice(P.ANSWER_TEMPLATES).format(fix=fix, thing=rng.choice(topic.things))
    when = at + timedelta(seconds=ep.response_delay())
    style = rng.choices(("reply", "mention", "plain", "thread"), weights=(35, 25, 20, 20 * ep.thread_share))[
        0
    ]
    where = channel
    if style == "thread" and channel.role in ("help", "topic"):
        where = thread_from(ep, asked, text)
        ep.post(where, asker, ep.later(at, 30, 180), rng.choice(P.FOLLOW_UP_TEMPLATES))
        when = max(when, ep.later(at, 200, 400))
        answer = ep.post(where, answerer, when, answer_text)
    elif style == "mention":
        answer = ep.post(where, answerer, when, f"{ep.name(asker)} {answer_text}", mentions=(asker,))
    elif style == "plain":
        answer = ep.post(where, answerer, when, answer_text)
    else:
        answer = ep.post(where, answerer, when, answer_text, reply_to=asked)
    after_answer(ep, where, asker, answerer, answer, topic_key)


def after_answer(
    ep: Episodes, channel: Channel, asker: Member, answerer: Member, answer: Posted, topic_key: str
) -> None:
    rng = ep.rng
    at = answer.at
    last = answer
    if rng.random() < 0.3:
        follow = ep.post(
            channel,
            asker,
            ep.later(at, 40, 600),
            rng.choice(P.FOLLOW_UP_TEMPLATES),
            reply_to=answer if rng.random() < 0.5 else None,
        )
        fix = rng.choice(P.TOPIC_BY_KEY[topic_key].fixes)
        last = ep.post(
            channel,
            answerer,
            ep.later(follow.at, 30, 900),
            f"then {fix}",
            reply_to=follow if rng.random() < 0.4 else None,
        )
        at = last.at
    if rng.random() < 0.25:
        second = ep.helpers[topic_key].pick(rng, exclude=(asker, answerer, ep.bot))
        if second is not None:
            extra = ep.post(
                channel,
                second,
                ep.later(at, 20, 900),
                rng.choice(("+1 to that", "also check the docs, they cover this", "what they said")),
            )
            at = extra.at
    roll = rng.random()
    if roll < 0.45:
        text = rng.choice(P.THANKS_TEMPLATES)
        mentioned = "{name}" in text and rng.random() < 0.6
        content = text.format(name=ep.name(answerer) if mentioned else answerer.name)
        ep.post(
            channel,
            asker,
            ep.later(at, 30, 1200),
            content,
            mentions=(answerer,) if mentioned else (),
            reply_to=last if rng.random() < 0.3 else None,
        )
    elif roll < 0.70:
        ep.react(last, "✅", asker)
    if rng.random() < 0.3:
        other = ep.everyone.pick(rng, exclude=(ep.bot,))
        if other is not None:
            ep.react(answer, "👍", other)


def thread_from(ep: Episodes, question: Posted, title: str) -> Channel:
    parent = question.channel
    thread = Channel(
        question.id,
        title[:90],
        "GuildPublicThread",
        "thread",
        parent.id,
        parent.name,
        topic_key=parent.topic_key,
        owner_id=question.author.id,
    )
    return thread


def forum_post(ep: Episodes, forum: Channel, topic_key: str, at: datetime) -> None:
    rng = ep.rng
    topic = P.TOPIC_BY_KEY[topic_key]
    owner = ep.by_topic[topic_key].pick(rng, exclude=(ep.bot,))
    if owner is None:
        return
    index = rng.randrange(len(topic.problems))
    problem = topic.problems[index]
    post_id = ep.ids.next(at)
    tags = [topic_key] + (["beginner"] if rng.random() < 0.3 else [])
    post = Channel(
        post_id,
        problem[:90],
        "GuildPublicThread",
        "post",
        forum.id,
        forum.name,
        topic_key=topic_key,
        owner_id=owner.id,
    )
    post.tags = (topic_key,)
    first = ep.post(
        post,
        owner,
        at,
        f"I'm trying to {problem}. working on {rng.choice(topic.things)}, what am I missing?",
        message_id=post_id,
    )
    if rng.random() >= ep.unanswered_share:
        answerer = ep.helpers[topic_key].pick(rng, exclude=(owner, ep.bot))
        if answerer is not None:
            answer = ep.post(
                post,
                answerer,
                at + timedelta(seconds=ep.response_delay()),
                rng.choice(P.ANSWER_TEMPLATES).format(fix=topic.fixes[index], thing=rng.choice(topic.things)),
                reply_to=first if rng.random() < 0.2 else None,
            )
            after_answer(ep, post, owner, answerer, answer, topic_key)
            if (
                any(reaction["emoji"]["name"] == "✅" for reaction in answer.data["reactions"])
                or rng.random() < 0.3
            ):
                tags.append("solved")
    post.tags = tuple(tags)


def _attachment(attachment_id: int) -> dict[str, Any]:
    return {
        "id": str(attachment_id),
        "url": f"https://cdn.discordapp.com/attachments/{attachment_id}/screenshot.png",
        "fileName": "screenshot.png",
        "fileSizeBytes": 48213,
    }
