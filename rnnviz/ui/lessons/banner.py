"""A lesson on its page: the banner (what to notice, what to try, the next lesson) and the Overview's list.

A lesson's link opens its page with its URL parameters (the shared controls take an explicit URL value over
the one kept from earlier in the session) plus ``?lesson=<slug>``, which shows the banner on that page.
"""

from __future__ import annotations

import streamlit as st

from rnnviz.lessons.catalog import LESSON_PARAM, LESSONS, LESSONS_BY_SLUG, Lesson, next_lesson

HOME_PAGE = "app_pages/home.py"


@st.cache_data(show_spinner="Measuring the lesson's model…")
def lesson_facts(slug: str) -> dict:
    """The numbers lesson ``slug`` quotes, measured on its model once per process."""
    return LESSONS_BY_SLUG[slug].measure()


def lesson_link(lesson: Lesson, label: str | None = None, icon: str = ":material/school:") -> None:
    number = LESSONS.index(lesson) + 1
    st.page_link(lesson.page, label=label or f"{number}. {lesson.title}", icon=icon, query_params=lesson.link_params)


def lesson_banner(page: str) -> Lesson | None:
    """The banner of the lesson named in the URL, when it belongs to ``page``; returns that lesson."""
    lesson = LESSONS_BY_SLUG.get(st.query_params.get(LESSON_PARAM, ""))
    if lesson is None or lesson.page != page:
        return None
    number = LESSONS.index(lesson) + 1
    with st.container(border=True, key="lesson.banner"):
        st.markdown(f"**Lesson {number} of {len(LESSONS)}: {lesson.title}**")
        st.markdown(lesson.notice(lesson_facts(lesson.slug)))
        st.markdown(f":material/help: **Try this:** {lesson.question}")
        if lesson.code:
            st.code(lesson.code, language="python")
        following = next_lesson(lesson)
        if following is not None:
            lesson_link(following, f"Next lesson: {following.title}", icon=":material/arrow_forward:")
        else:
            # back to the front door as a newcomer finds it: the trained model
            st.page_link(
                HOME_PAGE, label="Back to the lessons", icon=":material/home:", query_params={"model": "sine-lstm"}
            )
    return lesson


def lesson_list() -> None:
    """Every lesson in order, each a link that opens its page prepared."""
    for lesson in LESSONS:
        lesson_link(lesson)
