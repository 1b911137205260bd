# ruff: noqa: E501, PLR0917  (HTML templates: long lines are the markup as CMSs write it)
"""Build the hold-out HTML pages in this folder (never used for tuning the reader).

Three page templates unlike those in ``data/eval/html``: a live blog (timestamped entries,
key-events links, per-entry share buttons, an embedded post, inline ad slots), an Adobe
Experience Manager-style regional news page (every paragraph its own ``cmp-text``
component, teaser components inside the body, a comments list) and a newsletter platform
post (subscribe widgets inside the body, quotes, lists, a discussion thread). Article texts
are in ``articles.py`` (written for this project).

The gold JSON next to each page: ``title``, ``author`` (None when the page names none),
``published`` (ISO date) and ``body``: what a reader would call the article — paragraphs,
subheadings, list items, quoted passages and live-blog entry headings, joined with a blank
line; entry times, captions, labels and every piece of page furniture are not body.

Run from the repository root: ``uv run python data/eval/html_holdout/make_pages.py``.
"""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from articles import AEM, LIVEBLOGS, NEWSLETTERS  # noqa: E402

Block = list[str]


def e(text: str) -> str:
    return html.escape(text, quote=True)


def gold_body(blocks: Block) -> str:
    out = []
    for b in blocks:
        if b.startswith("@ "):
            heading = b.split("|", 1)[1].strip()
            if heading:
                out.append(heading)
        elif b.startswith(("## ", "- ", "> ")):
            out.append(b[2:].strip() if not b.startswith("## ") else b[3:].strip())
        else:
            out.append(b)
    return "\n\n".join(out)


def write(name: str, doc: str, title: str, author: str | None, date: str, blocks: Block) -> None:
    (HERE / f"{name}.html").write_text(doc, encoding="utf-8")
    gold = {"title": title, "author": author, "published": date, "body": gold_body(blocks)}
    (HERE / f"{name}.json").write_text(
        json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


COMMENTS = [
    ("harbourgull", "Thanks for keeping us updated, much better than the radio this morning."),
    (
        "J. Pritchard",
        "Does anyone know if the school buses are still running tomorrow? The website says nothing.",
    ),
    (
        "mossbank_resident",
        "Same story every year and nothing ever gets done about it until it is too late.",
    ),
    ("Clare W", "Well written and fair to both sides. More of this please."),
]

RELATED = [
    "Sea wall repairs: what the council promised and what happened",
    "How to claim compensation for a cancelled ferry crossing",
    "Photos: the week in pictures across the region",
    "Opinion: our roads are not ready for the weather we now get",
]


# --------------------------------------------------------------------------- live blog


def liveblog(slug: str, title: str, author: str, date: str, blocks: Block, n: int) -> str:
    site = "Carrow Evening Post"
    entries: list[tuple[str, str, list[str]]] = []
    for b in blocks:
        if b.startswith("@ "):
            when, _, heading = b[2:].partition("|")
            entries.append((when.strip(), heading.strip(), []))
        else:
            entries[-1][2].append(b)
    feed = []
    for i, (when, heading, paras) in enumerate(entries):
        body = []
        items = [p[2:] for p in paras if p.startswith("- ")]
        for p in paras:
            if not p.startswith("- "):
                body.append(f"<p>{e(p)}</p>")
            elif p[2:] == items[0]:
                body.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in items) + "</ul>")
        if i == 1:
            body.append(
                '<figure class="block-figure"><img src="/img/lb-1.jpg" alt="" loading="lazy">'
                "<figcaption>The scene earlier this afternoon. Photograph: Jon Lowe/Carrow Evening Post</figcaption></figure>"
            )
        if i == 2:
            body.append(
                '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Please stay away from the area and follow the advice of officers on the ground. Updates to follow.</p>'
                "&mdash; Carrow Police (@CarrowPolice) <a href='https://x.com/CarrowPolice/status/1'>November 18, 2025</a></blockquote>"
            )
        pinned = '<span class="block-pinned">Pinned post</span>' if i == 0 and n % 2 else ""
        h2 = f'<h2 class="block-title">{e(heading)}</h2>' if heading else ""
        feed.append(
            f'<article class="live-block" id="block-{i + 1}">{pinned}<div class="block-meta"><time datetime="{date}T{when.replace(".", ":")}:00Z">{e(when)} GMT</time>'
            f'<span class="block-author">{e(author)}</span></div>{h2}<div class="block-body">{"".join(body)}</div>'
            '<div class="block-share"><button class="share">Share</button><button class="copy">Copy link</button></div></article>'
        )
        if i == 1:
            feed.append(
                '<div class="ad-slot ad-inline"><span class="ad-label">Advertisement</span><div id="div-gpt-ad-inline-1"></div></div>'
            )
    key_events = "".join(
        f'<li><a href="#block-{i + 1}">{e(h)}</a></li>' for i, (_, h, _) in enumerate(entries) if h
    )
    ld = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": title,
        "url": f"https://www.carrowpost.co.uk/news/live/{slug}",
        "datePublished": f"{date}T08:00:00Z",
        "coverageStartTime": f"{date}T08:00:00Z",
        "author": {"@type": "Person", "name": author},
        "publisher": {"@type": "NewsMediaOrganization", "name": site},
        "liveBlogUpdate": [
            {
                "@type": "BlogPosting",
                "headline": h or title,
                "datePublished": f"{date}T{w.replace('.', ':')}:00Z",
            }
            for w, h, _ in entries
        ],
    }
    ld_tag = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if n != 3 else ""
    meta_author = f'<meta name="author" content="{e(author)}">' if n == 3 else ""
    meta_date = (
        f'<meta property="article:published_time" content="{date}T08:00:00Z">' if n == 3 else ""
    )
    nav = "".join(
        f'<li><a href="/{s.lower()}">{s}</a></li>'
        for s in ("News", "Sport", "Business", "Opinion", "What's on", "Property", "Jobs")
    )
    related = "".join(f'<li><a href="/news/r{i}">{e(h)}</a></li>' for i, h in enumerate(RELATED))
    return f"""<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} | {site}</title><link rel="canonical" href="https://www.carrowpost.co.uk/news/live/{slug}">
<meta property="og:type" content="article"><meta property="og:title" content="{e(title)}"><meta property="og:site_name" content="{site}">{meta_author}{meta_date}
{ld_tag}
<script>window.dataLayer=window.dataLayer||[];dataLayer.push({{"pageType":"liveblog","section":"news"}});</script>
<style>.live-badge{{background:#c00;color:#fff}}.ad-slot{{min-height:250px}}</style></head>
<body class="liveblog template-live"><a class="skip-link" href="#main">Skip to main content</a>
<header class="site-header"><div class="masthead"><a href="/" class="logo">{site}</a></div>
<nav class="primary-nav" aria-label="Main"><ul>{nav}</ul></nav><div class="header-actions"><a href="/subscribe">Subscribe</a> <a href="/login">Sign in</a></div></header>
<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="/">Home</a> <span>›</span> <a href="/news">News</a> <span>›</span> <span>Live</span></nav>
<main id="main"><article class="live-article">
<header class="live-header"><span class="live-badge">LIVE</span><h1 class="headline">{e(title)}</h1>
<p class="standfirst">Follow the latest updates through the day from our reporters across the region.</p>
<div class="byline">By <a rel="author" href="/authors/{author.split(maxsplit=1)[0].lower()}">{e(author)}</a> <span class="role">Live reporter</span></div>
<div class="updated">Last updated: <time datetime="{date}T{entries[0][0].replace(".", ":")}:00Z">{e(entries[0][0])} GMT</time></div>
<div class="share-bar"><a class="share-facebook" href="#">Share on Facebook</a> <a class="share-x" href="#">Share on X</a> <a class="share-email" href="#">Email</a> <button>Copy link</button></div></header>
<section class="key-events"><h2>Key events</h2><ul>{key_events}</ul></section>
<div class="live-feed" aria-live="polite">{"".join(feed)}</div>
<button class="load-more">Show 14 earlier updates</button>
</article>
<aside class="related"><h2>More on this story</h2><ul>{related}</ul></aside>
<section class="newsletter-signup"><h3>Get the morning briefing</h3><p>Sign up for our daily email with the news you need to start the day.</p>
<form action="/newsletter"><input type="email" placeholder="Your email address"><button>Sign up</button></form></section></main>
<footer class="site-footer"><ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact us</a></li><li><a href="/privacy">Privacy notice</a></li><li><a href="/cookies">Cookie settings</a></li></ul>
<p>© 2025 Carrow Evening Post. All rights reserved.</p></footer>
<script src="/static/live-updates.3f9a.js" defer></script></body></html>
"""


# --------------------------------------------------------------------------- AEM


def aem(slug: str, title: str, author: str | None, date: str, blocks: Block, n: int) -> str:
    site = "Valley Courier"
    comps = []
    items: list[str] = []

    def flush() -> None:
        if items:
            lis = "".join(f"<li>{e(x)}</li>" for x in items)
            comps.append(
                f'<div class="text"><div class="cmp-text" data-cmp-data-layer=""><ul>{lis}</ul></div></div>'
            )
            items.clear()

    for i, b in enumerate(blocks):
        if b.startswith("- "):
            items.append(b[2:])
            continue
        flush()
        if b.startswith("## "):
            comps.append(f'<div class="text"><div class="cmp-text"><h2>{e(b[3:])}</h2></div></div>')
        else:
            comps.append(
                f'<div class="text"><div class="cmp-text" data-cmp-data-layer=""><p>{e(b)}</p></div></div>'
            )
        if i == 1:
            comps.append(
                '<div class="advert"><div class="cmp-advert"><p class="cmp-advert__label">Advertisement</p><div id="ad-mpu-1" class="cmp-advert__slot"></div></div></div>'
            )
        if i == 2:
            comps.append(
                f'<div class="teaser"><div class="cmp-teaser"><div class="cmp-teaser__content"><p class="cmp-teaser__pretitle">Read more</p>'
                f'<h3 class="cmp-teaser__title"><a class="cmp-teaser__title-link" href="/news/local/related-{n}">{e(RELATED[n % len(RELATED)])}</a></h3>'
                '<div class="cmp-teaser__description"><p>The full story, with reaction from residents and the council.</p></div></div></div></div>'
            )
    flush()
    byline = f"By {e(author)}" if author else "Valley Courier newsroom"
    meta_author = f'<meta name="author" content="{e(author)}">' if author else ""
    human = {"10": "October", "11": "November", "09": "September", "08": "August"}[date[5:7]]
    comments = "".join(
        f'<div class="cmp-comments__item"><span class="cmp-comments__author">{e(a)}</span> <span class="cmp-comments__time">{k + 2} hours ago</span>'
        f'<p class="cmp-comments__text">{e(t)}</p><a href="#" class="cmp-comments__reply">Reply</a> <a href="#" class="cmp-comments__report">Report</a></div>'
        for k, (a, t) in enumerate(COMMENTS[:3])
    )
    latest = "".join(
        f'<li class="cmp-list__item"><div class="cmp-teaser"><h3 class="cmp-teaser__title"><a href="/news/l{i}">{e(h)}</a></h3></div></li>'
        for i, h in enumerate(RELATED)
    )
    nav = "".join(
        f'<li class="cmp-navigation__item"><a class="cmp-navigation__item-link" href="/{s.lower()}">{s}</a></li>'
        for s in ("News", "Sport", "Farming", "Community", "Business", "Announcements")
    )
    return f"""<!DOCTYPE HTML>
<html lang="en"><head><meta charset="UTF-8"><title>{e(title)} - {site}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="description" content="{e(blocks[0][:150])}">
<meta property="og:title" content="{e(title)}"><meta property="og:site_name" content="{site}"><meta property="og:type" content="article">
<meta property="article:published_time" content="{date}T09:12:00+01:00">{meta_author}
<link rel="stylesheet" href="/etc.clientlibs/courier/clientlibs/clientlib-site.lc-8f2e-lc.min.css" type="text/css"></head>
<body class="page basicpage" id="page-{slug}"><div class="root container responsivegrid"><div id="container-root" class="cmp-container">
<div class="experiencefragment"><div class="cmp-experiencefragment cmp-experiencefragment--header"><header class="cmp-header">
<div class="image logo"><div class="cmp-image"><a class="cmp-image__link" href="/"><img class="cmp-image__image" src="/content/dam/courier/logo.svg" alt="{site}"></a></div></div>
<div class="navigation"><nav class="cmp-navigation" role="navigation"><ul class="cmp-navigation__group">{nav}</ul></nav></div>
<div class="search"><section class="cmp-search" role="search"><form class="cmp-search__form"><input class="cmp-search__input" type="text" placeholder="Search"></form></section></div></header></div></div>
<div class="breadcrumb"><nav class="cmp-breadcrumb" aria-label="Breadcrumb"><ol class="cmp-breadcrumb__list"><li class="cmp-breadcrumb__item"><a href="/">Home</a></li><li class="cmp-breadcrumb__item"><a href="/news">News</a></li><li class="cmp-breadcrumb__item cmp-breadcrumb__item--active">Local</li></ol></nav></div>
<div class="container responsivegrid article-container"><div class="cmp-container">
<div class="title"><div class="cmp-title"><h1 class="cmp-title__text">{e(title)}</h1></div></div>
<div class="byline"><div class="cmp-byline"><span class="cmp-byline__author">{byline}</span> <span class="cmp-byline__date">{int(date[8:])} {human} {date[:4]}, 9:12am</span></div></div>
<div class="share"><div class="cmp-share"><a href="#">Facebook</a> <a href="#">X</a> <a href="#">WhatsApp</a> <a href="#">Email</a></div></div>
<div class="image"><div class="cmp-image"><img class="cmp-image__image" src="/content/dam/courier/{slug}.jpg" alt=""><span class="cmp-image__title">The site pictured earlier this week. Picture: Valley Courier</span></div></div>
{"".join(comps)}
<div class="tags"><div class="cmp-tags"><span>Topics:</span> <a href="/tags/local">Local news</a> <a href="/tags/council">Council</a></div></div>
<div class="comments"><section class="cmp-comments"><h2 class="cmp-comments__title">Comments (3)</h2><p class="cmp-comments__rules">Comments are moderated. Please read our community guidelines before posting.</p>{comments}</section></div>
</div></div>
<div class="list"><section class="cmp-list--latest"><h2>Latest news</h2><ul class="cmp-list">{latest}</ul></section></div>
<div class="experiencefragment"><div class="cmp-experiencefragment cmp-experiencefragment--footer"><footer class="cmp-footer"><p>{site} is part of Dyffryn Media Ltd. Registered in Wales no. 0481234.</p><p>© 2025 {site}. All rights reserved.</p><a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer></div></div>
</div></div><script src="/etc.clientlibs/courier/clientlibs/clientlib-site.lc-77ab-lc.min.js"></script></body></html>
"""


# --------------------------------------------------------------------------- newsletter


def newsletter(slug: str, title: str, author: str, date: str, blocks: Block, n: int) -> str:
    site = "The Harbour Letter"
    body = []
    items: list[str] = []

    def flush() -> None:
        if items:
            body.append("<ul>" + "".join(f"<li><p>{e(x)}</p></li>" for x in items) + "</ul>")
            items.clear()

    for i, b in enumerate(blocks):
        if b.startswith("- "):
            items.append(b[2:])
            continue
        flush()
        if b.startswith("## "):
            body.append(
                f'<h3 class="header-anchor-post">{e(b[3:])}<div class="pencraft"><button aria-label="Link">#</button></div></h3>'
            )
        elif b.startswith("> "):
            body.append(f"<blockquote><p>{e(b[2:])}</p></blockquote>")
        else:
            body.append(f"<p>{e(b)}</p>")
        if i == 1:
            body.append(
                '<div class="subscription-widget-wrap-editor"><div class="subscription-widget show-subscribe">'
                f'<div class="preamble"><p class="cta-caption">Thanks for reading {site}! Subscribe for free to receive new posts and support my work.</p></div>'
                '<form class="subscription-widget-subscribe"><input type="email" name="email" placeholder="Type your email…"><input type="submit" value="Subscribe"></form></div></div>'
            )
        if i == 3:
            body.append(
                '<div class="captioned-image-container"><figure><a class="image-link image2" href="/img/1.jpeg"><img src="/img/1.jpeg" alt="" width="1456" height="971"></a>'
                '<figcaption class="image-caption">The east quay at low tide, photographed last week.</figcaption></figure></div>'
            )
    flush()
    body.append(
        '<p class="button-wrapper" data-attrs=""><a class="button primary" href="/p/share"><span>Share</span></a></p>'
    )
    months = {"06": "Jun", "05": "May", "03": "Mar", "07": "Jul"}
    human = f"{months[date[5:7]]} {date[8:]}, {date[:4]}"
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "url": f"https://harbourletter.example.com/p/{slug}",
        "mainEntityOfPage": f"https://harbourletter.example.com/p/{slug}",
        "headline": title,
        "description": blocks[0][:140],
        "datePublished": f"{date}T07:01:44+00:00",
        "dateModified": f"{date}T09:30:02+00:00",
        "isAccessibleForFree": True,
        "author": [
            {
                "@type": "Person",
                "name": author,
                "url": f"https://harbourletter.example.com/@{author.split(maxsplit=1)[0].lower()}",
            }
        ],
        "publisher": {
            "@type": "Organization",
            "name": site,
            "url": "https://harbourletter.example.com",
        },
    }
    comments = "".join(
        f'<div class="comment"><div class="comment-meta"><a class="comment-author" href="/@c{k}">{e(a)}</a> <time>{human[:6]}</time></div>'
        f'<div class="comment-body"><p>{e(t)}</p></div><div class="comment-actions"><a>Like ({k + 3})</a> <a>Reply</a> <a>Share</a></div></div>'
        for k, (a, t) in enumerate(COMMENTS[1:])
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{e(title)} - by {e(author)} - {site}</title><meta property="og:title" content="{e(title)}"><meta property="og:type" content="article">
<meta name="author" content="{e(author)}"><meta property="og:site_name" content="{site}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
<link rel="stylesheet" href="https://cdn.example.com/bundle/theme/main.7e1a.css"></head>
<body><div id="entry"><div class="main-menu"><div class="topbar-content"><a class="navbar-title-link" href="/">{site}</a>
<div class="navbar-buttons"><button class="button primary">Subscribe</button> <button class="button">Sign in</button></div></div></div>
<div class="container"><div class="single-post-container"><div class="single-post"><article class="typography newsletter-post post">
<div class="post-header"><h1 class="post-title published">{e(title)}</h1><h3 class="subtitle">A letter from the town, issue {40 + n}</h3>
<div class="post-meta"><div class="profile-hover-card-target"><a href="/@{author.split(maxsplit=1)[0].lower()}">{e(author)}</a></div><div class="post-date" title="{date}">{human}</div></div>
<div class="post-ufi"><a class="like-button">♥ {120 + 17 * n}</a> <a class="comment-button" href="#comments">{12 + n}</a> <a class="share-button">Share</a></div></div>
<div class="available-content"><div class="body markup" dir="auto">{"".join(body)}</div></div>
<div class="post-footer"><div class="post-ufi"><a class="like-button">♥ {120 + 17 * n}</a> <a class="comment-button">{12 + n}</a> <a class="share-button">Share</a></div></div>
</article></div>
<div class="comments-section" id="comments"><h4>Discussion about this post</h4><div class="comment-list">{comments}</div><a class="more-comments" href="/p/{slug}/comments">View all comments</a></div>
<div class="post-bottom"><h4>Ready for more?</h4><form class="subscribe-widget"><input type="email" placeholder="Type your email…"><input type="submit" value="Subscribe"></form></div>
</div></div>
<div class="footer-wrap"><footer><p>© 2025 {e(author)}</p><a href="/privacy">Privacy</a> ∙ <a href="/tos">Terms</a> ∙ <a href="/collection">Collection notice</a></footer></div></div>
<script src="https://cdn.example.com/bundle/static/js/main.b33c.js" async></script></body></html>
"""


def main() -> None:
    for n, (slug, title, author, date, blocks) in enumerate(LIVEBLOGS):
        write(
            f"liveblog-{slug}",
            liveblog(slug, title, author, date, blocks, n),
            title,
            author,
            date,
            blocks,
        )
    for n, (slug, title, author, date, blocks) in enumerate(AEM):
        write(f"aem-{slug}", aem(slug, title, author, date, blocks, n), title, author, date, blocks)
    for n, (slug, title, author, date, blocks) in enumerate(NEWSLETTERS):
        write(
            f"newsletter-{slug}",
            newsletter(slug, title, author, date, blocks, n),
            title,
            author,
            date,
            blocks,
        )


if __name__ == "__main__":
    main()
