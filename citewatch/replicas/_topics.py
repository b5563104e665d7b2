"""Pages about any topic, for the replicas' generic answers.

A prompt a replica has no stored answer for still gets realistic sites, with addresses and titles built from
its topic; ids come from a hash of the topic, so the same prompt always gets the same pages.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# "what is the history of jazz" -> "the history of jazz": the topic reads naturally inside a sentence.
_QUESTION_WORDS = re.compile(r"^(?:what|who|why|how|when|where|which)\s+(?:is|are|was|were|do|does|did)\s+", re.I)


@dataclass(frozen=True)
class TopicPage:
    url: str
    title: str
    site: str
    snippet: str
    published: str | None = None  # ISO date, where the page shows one


@dataclass(frozen=True)
class Topic:
    text: str  # as it reads inside a sentence
    title: str  # capitalised, for headings and page titles

    @classmethod
    def of(cls, prompt: str) -> Topic:
        text = _QUESTION_WORDS.sub("", re.sub(r"\s+", " ", prompt).strip()).rstrip("?!. ") or "this topic"
        return cls(text=text, title=text[:1].upper() + text[1:])

    def pages(self) -> tuple[TopicPage, ...]:
        """Encyclopedias, a forum, news and features, a blog and a video, in that order."""
        topic, title = self.text, self.title
        slug = re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-") or "topic"
        key = hashlib.sha256(topic.lower().encode()).hexdigest()
        day = f"{int(key[7:9], 16) % 28 + 1:02d}"
        return (
            TopicPage(
                f"https://en.wikipedia.org/wiki/{title.replace(' ', '_')}",
                f"{title} - Wikipedia",
                "Wikipedia",
                f"An overview of {topic}: definitions, history and the main points of debate.",
            ),
            TopicPage(
                f"https://www.britannica.com/topic/{slug}",
                f"{title} | Definition, history and facts | Britannica",
                "Britannica",
                f"Britannica's editors explain {topic} and how it is understood today.",
                "2024-11-02",
            ),
            TopicPage(
                f"https://www.reddit.com/r/explainlikeimfive/comments/{key[:7]}/eli5_{slug.replace('-', '_')}/",
                f"ELI5: {topic}? : r/explainlikeimfive",
                "Reddit",
                "Top answer: think of it like this, and the rest follows from there.",
            ),
            TopicPage(
                f"https://www.nytimes.com/2025/06/{day}/explain/{slug}.html",
                f"What to know about {topic}",
                "The New York Times",
                f"A short guide to {topic}, and the questions readers ask most often.",
                f"2025-06-{day}",
            ),
            TopicPage(
                f"https://www.bbc.com/future/article/{key[9:17]}-{slug}",
                f"The surprising story of {topic}",
                "BBC",
                f"How {topic} came to matter, told through the people who study it.",
            ),
            TopicPage(
                f"https://medium.com/@learning-notes/{slug}-{key[17:29]}",
                f"A practical introduction to {topic}",
                "Medium",
                f"My notes from learning about {topic}, with the resources that helped most.",
            ),
            TopicPage(
                f"https://www.youtube.com/watch?v={key[29:40]}",
                f"{title}, explained in ten minutes",
                "YouTube",
                f"A clear visual explanation of {topic} for beginners.",
            ),
        )
