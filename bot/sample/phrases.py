"""Word lists and sentence templates for generated sample communities.

Each topic has things people make, problems they ask about and fixes others offer, so
members who share an interest talk about the same words (interest clusters).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    things: tuple[str, ...]
    problems: tuple[str, ...]
    fixes: tuple[str, ...]


TOPICS: tuple[Topic, ...] = (
    Topic(
        "python",
        ("a discord bot", "a scraper", "a flask app", "a CLI tool", "a data notebook", "an asyncio worker"),
        (
            "fix 'ModuleNotFoundError' after installing with pip",
            "make asyncio.gather stop on the first error",
            "type hint a decorator properly",
            "speed up a pandas groupby",
            "package a script so friends can run it",
            "read a huge JSON file without running out of memory",
        ),
        (
            "activate the venv first, pip installed it globally",
            "use asyncio.TaskGroup, it cancels the rest on failure",
            "ParamSpec plus TypeVar does it",
            "try polars or at least categoricals for the key",
            "pipx install it from a pyproject with a console script",
            "stream it with ijson instead of json.load",
        ),
    ),
    Topic(
        "webdev",
        ("a portfolio site", "a react dashboard", "a static blog", "a browser extension", "an API"),
        (
            "get rid of a CORS error on localhost",
            "center a div vertically in a flex container",
            "deploy a vite app to github pages",
            "stop my useEffect from running twice",
            "cache API responses in the browser",
        ),
        (
            "add the allow-origin header on the server, not the client",
            "align-items: center on the parent",
            "set base in vite.config to the repo name",
            "that is strict mode in dev, it is fine in production",
            "a service worker with stale-while-revalidate works well",
        ),
    ),
    Topic(
        "gamedev",
        ("a platformer", "a roguelike", "a shader", "a level editor", "a pixel art tileset", "a jam game"),
        (
            "stop my character jittering on moving platforms",
            "make a pixel perfect camera in godot",
            "save game state without corrupting it",
            "get collisions working with tilemaps",
            "profile why my frame rate drops",
        ),
        (
            "move the player in _physics_process, not _process",
            "snap the camera to whole pixels after smoothing",
            "write to a temp file and rename it",
            "check the collision layer and mask on both sides",
            "the built-in profiler shows it, look at physics time",
        ),
    ),
    Topic(
        "electronics",
        ("a keyboard PCB", "an LED matrix", "a weather station", "an esp32 sensor", "a guitar pedal"),
        (
            "wire a 5V relay to a 3.3V esp32",
            "stop my LED strip flickering",
            "choose a resistor for a blue LED",
            "debug an I2C sensor that is not found",
            "power a project from a LiPo safely",
        ),
        (
            "use a transistor or a relay module with an optocoupler",
            "add a capacitor across the supply and a resistor on data",
            "around 100 ohms at 5V, check the datasheet forward voltage",
            "run an I2C scanner and check the pull-ups",
            "use a protection board and a proper charger IC",
        ),
    ),
    Topic(
        "3dprinting",
        ("a benchy", "a printer enclosure", "a cable organizer", "a cosplay helmet", "a filament dryer"),
        (
            "fix stringing with PETG",
            "get the first layer to stick",
            "calibrate e-steps on an ender 3",
            "stop warping on big ABS parts",
        ),
        (
            "dry the filament and lower the nozzle temp",
            "level again and clean the bed with IPA",
            "mark 120mm of filament and measure what goes in",
            "use an enclosure and a brim",
        ),
    ),
    Topic(
        "music",
        ("a lofi beat", "a synth patch", "a remix", "a chiptune track", "a drum loop"),
        (
            "get my mix to not sound muddy",
            "sidechain the bass in ableton",
            "reduce latency with my audio interface",
            "make my kick punch through",
        ),
        (
            "cut everything below 100Hz except kick and bass",
            "put a compressor on the bass keyed from the kick",
            "lower the buffer size and use the ASIO driver",
            "layer a click on top and leave room around 60Hz",
        ),
    ),
    Topic(
        "linux",
        ("a home server", "my dotfiles", "a raspberry pi cluster", "a nixos config", "a backup script"),
        (
            "make a systemd service restart on failure",
            "find what is filling my disk",
            "set up ssh keys so I stop typing passwords",
            "mount a network share at boot",
        ),
        (
            "Restart=on-failure in the unit file",
            "ncdu / is the quickest way",
            "ssh-copy-id user@host after ssh-keygen",
            "add it to fstab with _netdev and nofail",
        ),
    ),
)

TOPIC_KEYS: tuple[str, ...] = tuple(topic.key for topic in TOPICS)
TOPIC_BY_KEY: dict[str, Topic] = {topic.key: topic for topic in TOPICS}

FIRST_NAMES: tuple[str, ...] = (
    "ada",
    "bram",
    "cleo",
    "dario",
    "elin",
    "farah",
    "gus",
    "hana",
    "ivo",
    "jun",
    "kaia",
    "lev",
    "mira",
    "nils",
    "odette",
    "pia",
    "quinn",
    "rafa",
    "sana",
    "tomas",
    "uma",
    "vik",
    "wren",
    "xia",
    "yusuf",
    "zoe",
    "anouk",
    "bodhi",
    "cyra",
    "dmitri",
    "esme",
    "finn",
    "greta",
    "hugo",
    "iris",
    "jonas",
    "kenji",
    "lina",
    "mateo",
    "noor",
)
NAME_SUFFIXES: tuple[str, ...] = (
    "",
    "_dev",
    "42",
    "_x",
    "byte",
    "bot_hater",
    "_makes",
    "codes",
    "99",
    "_art",
    "pixel",
    "_hz",
)

QUESTION_TEMPLATES: tuple[str, ...] = (
    "how do I {problem}?",
    "does anyone know how to {problem}?",
    "quick question: how do you {problem}?",
    "I've been stuck for an hour, how can I {problem}?",
    "what's the best way to {problem}?",
    "anyone know how to {problem}",
    "is there a way to {problem}? working on {thing}",
    "can someone help me {problem}? it's for {thing}",
)
ANSWER_TEMPLATES: tuple[str, ...] = (
    "{fix}",
    "I had that too, {fix}",
    "try this: {fix}",
    "pretty sure you need to {fix}",
    "{fix}. worked for me on {thing}",
    "yeah, {fix}",
)
FOLLOW_UP_TEMPLATES: tuple[str, ...] = (
    "still the same after that, any other idea?",
    "hmm where exactly do I put that?",
    "ok trying now",
    "I'm on the latest version if that matters",
    "sorry, forgot to say: it only happens sometimes",
)
THANKS_TEMPLATES: tuple[str, ...] = (
    "thanks {name}!",
    "that worked, thank you {name}",
    "thank you so much, fixed it",
    "ty {name}, that was it",
    "thanks! all good now",
    "perfect, cheers {name}",
)
CHAT_TEMPLATES: tuple[str, ...] = (
    "just finished {thing}, pretty happy with it",
    "anyone else working on {thing} this week?",
    "I spent the whole weekend on {thing} lol",
    "{thing} is finally working",
    "look at {thing} I made, feedback welcome",
    "starting {thing} tonight, wish me luck",
    "does {thing} count as a hobby or a problem at this point",
)
CHAT_REPLIES: tuple[str, ...] = (
    "nice!",
    "that looks great",
    "oh cool, how long did it take?",
    "same here honestly",
    "love it",
    "haha relatable",
    "share a picture when it's done",
    "congrats!",
)
SMALL_TALK: tuple[str, ...] = (
    "good morning everyone",
    "coffee time",
    "anyone watching the stream later?",
    "finally friday",
    "brb",
    "lol",
    "that's wild",
    "gn all",
)
INTRO_TEMPLATES: tuple[str, ...] = (
    "hi all! I'm into {a} and a bit of {b}, currently working on {thing}",
    "hello, new here. mostly {a} stuff, learning {b}",
    "hey! found this server through a friend, I do {a}",
)
WELCOME_TEMPLATES: tuple[str, ...] = (
    "welcome {name}!",
    "welcome! {topic} people unite",
    "hey {name}, glad you're here",
)
BOT_LEVEL_UP = "🎉 GG {name}, you just reached level {level}!"
BOT_REMINDERS: tuple[str, ...] = (
    "📌 Reminder: post your question with what you tried and any error message.",
    "📌 Weekly show-and-tell is on Friday, share what you made!",
)
THREAD_TITLES: tuple[str, ...] = (
    "{thing} progress",
    "feedback on {thing}",
    "{topic} weekly chat",
    "help with {thing}",
)
