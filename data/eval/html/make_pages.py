# ruff: noqa: E501, PLR0917  (HTML templates: long lines are the markup as CMSs write it)
"""Build the HTML evaluation pages in this folder from the bundled sample's article texts.

Each page wraps one article of ``data/sample/`` (texts written for this project) in the
markup of a common news CMS — WordPress, Arc XP, Brightspot-like, Drupal, a Next.js app —
with the furniture real pages carry: navigation, cookie banners, share bars, captions,
inline "Read more" links and newsletter boxes, pull quotes, related links, author boxes,
comments, footers. A few special pages are written by hand at the end of this file
(client-rendered app shell, table layout in windows-1252, <div>-only paragraphs, AMP).

The gold JSON next to each page holds what a reader of the page would call the article:
``title``, ``author`` (several joined with ", "), ``published`` (ISO date) and ``body``
(paragraphs, subheadings and list items joined with a blank line; credit lines such as
"(Reuters)" are visible article text and stay; captions, pull quotes, inserts and every
piece of furniture do not).

Run from the repository root: ``uv run python data/eval/html/make_pages.py``.
Deterministic: the same output every run.
"""

from __future__ import annotations

import html
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from newsdesk.extract import explain

HERE = Path(__file__).parent
SAMPLE = HERE.parent.parent / "sample"
GOLDEN = HERE.parent.parent.parent / "tests" / "golden" / "sample_expected.json"

SITES = {
    "continentalbrief": ("Continental Brief", "https://www.continentalbrief.eu"),
    "dailymeridian": ("Daily Meridian", "https://www.dailymeridian.co.uk"),
    "eastlinetimes": ("Eastline Times", "https://eastlinetimes.com"),
    "harbourpost": ("The Harbour Post", "https://www.harbourpost.com"),
    "lakesidegazette": ("Lakeside Gazette", "https://www.lakesidegazette.co.uk"),
    "northstarherald": ("Northstar Herald", "https://northstarherald.ca"),
    "pulsewire": ("PulseWire", "https://pulsewire.news"),
}

CMS = ("wordpress", "arc", "brightspot", "drupal", "nextjs")


def e(text: str) -> str:
    return html.escape(text, quote=True)


@dataclass
class Article:
    slug: str
    site: str
    base: str
    section: str
    title: str
    author: str | None
    published: str  # ISO with time and offset
    paragraphs: list[str]
    captions: list[str]
    lang: str
    extra_gold: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.base}/{self.section}/{self.slug}"

    @property
    def description(self) -> str:
        first = self.paragraphs[0]
        cut = first.find(". ")
        return first[: cut + 1] if cut > 40 else first[:160]


def load_articles() -> list[Article]:
    gold = json.loads(GOLDEN.read_text(encoding="utf-8"))
    out = []
    for i, (key, g) in enumerate(sorted(gold.items())):
        if not key.endswith(".txt") or g.get("quarantine") or "duplicate" in g:
            continue
        if key.startswith(("newsdesk-seed", "bad/")) or "syndicated_copy_of" in g:
            continue
        text = (SAMPLE / key).read_text(encoding="utf-8")
        rows = explain(text).to_dicts()
        body_idx = [r["line_no"] for r in rows if r["label"] == "body"]
        first, last = min(body_idx), max(body_idx)
        paragraphs, captions = [], []
        for r in rows:
            if r["label"] == "body" or (r["label"] == "credit" and r["line_no"] > first):
                if r["label"] == "credit" and r["line_no"] > last + 3:
                    continue
                paragraphs.append(r["text"])
            elif first < r["line_no"] < last and "caption" in r["reason"]:
                captions.append(r["text"])
        title = next(r["text"] for r in rows if r["label"] == "title")
        site_key = key.split("/")[0]
        name, base = SITES[site_key]
        hour = 6 + i % 12
        out.append(
            Article(
                slug=Path(key).stem,
                site=name,
                base=base,
                section=key.split("/")[1] if site_key != "dailymeridian" else "news",
                title=title,
                author=g.get("author"),
                published=f"{g.get('published') or '2025-09-15'}T{hour:02d}:{(i * 7) % 60:02d}:00+00:00",
                paragraphs=paragraphs,
                captions=captions or ["A file photo taken earlier this year."],
                lang=g.get("language") or "en",
            )
        )
    return out


# --------------------------------------------------------------------------- furniture

OTHER_HEADLINES = [
    "Council approves new cycle lanes for the city centre after long consultation",
    "What the latest inflation figures mean for your household budget",
    "Five things we learned from the weekend's matches",
    "Rail operator apologises after a week of cancellations on the coast line",
    "Opinion: the housing crisis will not be solved by targets alone",
    "Scientists map the ocean floor in unprecedented detail",
    "Heatwave warning issued as temperatures set to climb again",
    "Local bakery wins national award for its sourdough",
    "Explainer: how the new pension rules affect savers",
    "Police appeal for witnesses after late-night crash on the ring road",
]

COMMENTS = [
    (
        "RiverWatcher",
        "I have been saying this for years and nobody in charge ever listens to people who "
        "actually live here. Let us see whether anything changes this time.",
    ),
    (
        "J. Patel",
        "Interesting article, but it would have been useful to hear from the other side as "
        "well. The figures quoted seem to leave out a lot of context about last year.",
    ),
    (
        "old_timer_62",
        "Same story every autumn. The money gets announced with great fanfare and then "
        "quietly disappears into consultants' fees before anything is built.",
    ),
]

COOKIE = (
    "We use cookies and similar technologies to personalise content and ads, to provide "
    "social media features and to analyse our traffic. By clicking “Accept all” you agree "
    "to the storing of cookies on your device."
)


def nav(sections: list[str]) -> str:
    items = "".join(f'<li><a href="/{s.lower()}">{s}</a></li>' for s in sections)
    return f"<nav class='main-nav' aria-label='Main'><ul>{items}</ul></nav>"


SECTIONS = ["News", "Politics", "Business", "World", "Sport", "Culture", "Opinion", "Climate"]


def related(rng: random.Random, cls: str, heading: str = "Related Articles") -> str:
    picks = rng.sample(OTHER_HEADLINES, 4)
    items = "".join(
        f'<li class="{cls}__item"><a href="/news/{i}">{e(h)}</a>'
        f"<p class='{cls}__dek'>{e(h.split(' ')[0])} and more in our coverage.</p></li>"
        for i, h in enumerate(picks)
    )
    return f'<section class="{cls}"><h2>{heading}</h2><ul>{items}</ul></section>'


def comments_block(rng: random.Random, n: int) -> str:
    items = "".join(
        f'<li class="comment"><div class="comment-author vcard"><b class="fn">{e(a)}</b>'
        f'<span class="says">says:</span></div><div class="comment-metadata">'
        f'<time datetime="2025-09-12T10:{10 + k}:00">12 September 2025 at 10:{10 + k}</time>'
        f'</div><div class="comment-content"><p>{e(t)}</p></div>'
        f'<div class="reply"><a class="comment-reply-link" href="#">Reply</a></div></li>'
        for k, (a, t) in enumerate(rng.sample(COMMENTS, n))
    )
    return (
        f'<div id="comments" class="comments-area"><h2 class="comments-title">{n} thoughts on '
        f"this story</h2><ol class='comment-list'>{items}</ol>"
        '<div id="respond" class="comment-respond"><h3>Leave a Reply</h3>'
        "<p>Your email address will not be published. Required fields are marked *</p>"
        '<form><textarea name="comment"></textarea><input type="submit" value="Post Comment">'
        "</form></div></div>"
    )


def newsletter(site: str) -> str:
    return (
        '<div class="newsletter-box"><h3>Sign up for our morning briefing</h3>'
        f"<p>Get the {e(site)} morning edition in your inbox every weekday.</p>"
        '<form><input type="email" placeholder="Email address"><button>Sign up</button></form>'
        "</div>"
    )


def share(cls: str) -> str:
    nets = ["Facebook", "X", "WhatsApp", "LinkedIn", "Email", "Copy link"]
    return (
        f'<div class="{cls}">'
        + "".join(f'<a class="{cls}__btn" href="#">{n}</a>' for n in nets)
        + "</div>"
    )


def jsonld(
    a: Article, with_body: bool = False, graph: bool = False, gold: list[str] | None = None
) -> str:
    authors = [x.strip() for x in (a.author or "").split(",") if x.strip()]
    article: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "datePublished": a.published,
        "dateModified": a.published,
        "author": [{"@type": "Person", "name": n} for n in authors],
        "publisher": {
            "@type": "Organization",
            "name": a.site,
            "logo": {"@type": "ImageObject", "url": f"{a.base}/logo.png"},
        },
        "mainEntityOfPage": a.url,
        "description": a.description,
        "inLanguage": a.lang,
        "articleSection": a.section.title(),
    }
    if with_body:
        article["articleBody"] = " ".join(gold or a.paragraphs)
    if graph:
        del article["@context"]
        doc: object = {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebSite", "name": a.site, "url": a.base},
                {"@type": "WebPage", "@id": a.url, "name": a.title + " | " + a.site},
                article,
                {"@type": "BreadcrumbList", "itemListElement": []},
            ],
        }
    else:
        doc = article
    return f'<script type="application/ld+json">{json.dumps(doc, ensure_ascii=False)}</script>'


def og(a: Article) -> str:
    return (
        f'<meta property="og:type" content="article">'
        f'<meta property="og:title" content="{e(a.title)}">'
        f'<meta property="og:url" content="{e(a.url)}">'
        f'<meta property="og:site_name" content="{e(a.site)}">'
        f'<meta property="og:description" content="{e(a.description)}">'
        f'<meta property="article:published_time" content="{a.published}">'
        f'<meta property="article:section" content="{e(a.section.title())}">'
        f'<meta name="twitter:card" content="summary_large_image">'
    )


def human_date(a: Article) -> str:
    y, m, d = a.published[:10].split("-")
    months = "January February March April May June July August September October November "
    month = (months + "December").split()[int(m) - 1]
    return f"{int(d)} {month} {y}"


def body_blocks(
    a: Article, rng: random.Random, p: str, fig: str, insert: str, extra: list[str] | None = None
) -> tuple[list[str], list[str]]:
    """Body HTML blocks with a figure and an inline insert, and the gold paragraphs."""
    paras = list(a.paragraphs)
    gold = list(paras)
    blocks = [p.format(text=e(t)) for t in paras]
    if extra:
        # a subheading and a short list before the last two paragraphs
        h, items = extra[0], extra[1:]
        pos = max(1, len(blocks) - 2)
        lst = "<ul>" + "".join(f"<li>{e(x)}</li>" for x in items) + "</ul>"
        blocks[pos:pos] = [f"<h2>{e(h)}</h2>", lst]
        gold[pos:pos] = [h, *items]
    blocks.insert(min(2, len(blocks)), fig.format(caption=e(a.captions[0])))
    if insert:
        blocks.insert(min(4, len(blocks) - 1), insert)
    return blocks, gold


EXTRAS = [
    [
        "What happens next",
        "A public consultation opens next month.",
        "A final decision is expected before the end of the year.",
        "Campaigners say they will challenge it in court.",
    ],
    [
        "Key figures",
        "Turnout rose to 61 percent.",
        "Costs are estimated at £2.4 million.",
        "The scheme runs until 2027.",
    ],
    [
        "Reaction",
        "Opposition leaders called the plan rushed.",
        "Business groups broadly welcomed it.",
        "Unions said they would study the details.",
    ],
]


# --------------------------------------------------------------------------- templates


def page_wordpress(
    a: Article, rng: random.Random, extra: list[str] | None
) -> tuple[str, list[str]]:
    # a pull quote repeats the first sentence of a paragraph that has more than one
    multi = [p for p in a.paragraphs[1:] if ". " in p] or a.paragraphs[1:]
    pull_sentence = rng.choice(multi).split(". ")[0].rstrip(".") + "."
    insert = (
        f'<p class="read-more"><strong>Read more:</strong> <a href="/news/x">'
        f"{e(rng.choice(OTHER_HEADLINES))}</a></p>"
        f'<blockquote class="wp-block-pullquote"><p>{e(pull_sentence)}</p></blockquote>'
    )
    blocks, gold = body_blocks(
        a,
        rng,
        "<p>{text}</p>",
        '<figure class="wp-block-image size-large"><img src="/wp-content/uploads/2025/09/p.jpg" '
        'alt=""><figcaption class="wp-element-caption">{caption}</figcaption></figure>',
        insert,
        extra,
    )
    author = a.author or "Staff"
    return (
        f"""<!DOCTYPE html>
<html lang="{a.lang}-GB">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(a.title)} &#8211; {e(a.site)}</title>
<link rel="canonical" href="{e(a.url)}/">
{og(a)}
<meta name="author" content="{e(author)}">
<link rel='stylesheet' id='wp-block-library-css' href='/wp-includes/css/dist/block-library/style.min.css' media='all' />
{jsonld(a, graph=True)}
<script>window._wpemojiSettings = {{"baseUrl":"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/15.0.3\\/72x72\\/"}};</script>
</head>
<body class="post-template-default single single-post postid-4812 single-format-standard">
<div id="page" class="site">
<a class="skip-link screen-reader-text" href="#primary">Skip to content</a>
<header id="masthead" class="site-header">
<div class="site-branding"><p class="site-title"><a href="/" rel="home">{e(a.site)}</a></p>
<p class="site-description">Independent news since 1998</p></div>
{nav(SECTIONS)}
<div class="header-search"><form role="search"><input type="search" placeholder="Search &hellip;"></form></div>
</header>
<div id="content" class="site-content">
<main id="primary" class="site-main">
<article id="post-4812" class="post-4812 post type-post status-publish format-standard has-post-thumbnail hentry category-{a.section}">
<header class="entry-header">
<div class="entry-categories"><a href="/category/{a.section}/" rel="category tag">{e(a.section.title())}</a></div>
<h1 class="entry-title">{e(a.title)}</h1>
<div class="entry-meta"><span class="byline"> by <span class="author vcard"><a class="url fn n" href="/author/{author.lower().replace(" ", "-")}/">{e(author)}</a></span></span>
<span class="posted-on">Posted on <a href="{e(a.url)}/" rel="bookmark"><time class="entry-date published" datetime="{a.published}">{human_date(a)}</time></a></span>
<span class="comments-link"><a href="#comments">3 Comments</a></span></div>
</header>
<div class="sharedaddy sd-sharing-enabled"><div class="robots-nocontent sd-block sd-social"><h3 class="sd-title">Share this:</h3>{share("share")}</div></div>
<div class="entry-content">
{"".join(blocks)}
</div>
<footer class="entry-footer"><span class="tags-links">Tagged <a href="/tag/a" rel="tag">{e(a.section)}</a>, <a href="/tag/b" rel="tag">news</a></span></footer>
<div id="jp-relatedposts" class="jp-relatedposts"><h3 class="jp-relatedposts-headline"><em>Related</em></h3>{related(rng, "jp-relatedposts-post")}</div>
<div class="author-info"><h2 class="author-title">About {e(author)}</h2><p class="author-bio">{e(author)} has covered {e(a.section)} for {e(a.site)} since 2019 and previously worked for regional newspapers in the north of England.</p></div>
</article>
<nav class="navigation post-navigation"><div class="nav-links"><div class="nav-previous"><a href="/p" rel="prev"><span class="meta-nav">Previous Post</span> {e(OTHER_HEADLINES[0])}</a></div><div class="nav-next"><a href="/n" rel="next"><span class="meta-nav">Next Post</span> {e(OTHER_HEADLINES[1])}</a></div></div></nav>
{comments_block(rng, 3)}
</main>
<aside id="secondary" class="widget-area">
<section class="widget widget_recent_entries"><h2 class="widget-title">Recent Posts</h2><ul>{"".join(f'<li><a href="/r{i}">{e(h)}</a></li>' for i, h in enumerate(OTHER_HEADLINES[2:7]))}</ul></section>
<section class="widget widget_mc4wp_form_widget">{newsletter(a.site)}</section>
</aside>
</div>
<footer id="colophon" class="site-footer"><div class="site-info">&copy; 2025 {e(a.site)}. All rights reserved. <a href="/privacy">Privacy Policy</a> | Proudly powered by WordPress</div></footer>
</div>
<div id="cookie-notice" role="dialog" class="cookie-notice-hidden"><div class="cookie-notice-container"><span id="cn-notice-text" class="cn-text-container">{COOKIE}</span><a href="#" id="cn-accept-cookie" class="cn-button">Accept all</a><a href="#" class="cn-button">Settings</a></div></div>
</body>
</html>
""",
        gold,
    )


def page_arc(a: Article, rng: random.Random, extra: list[str] | None) -> tuple[str, list[str]]:
    insert = (
        '<div class="b-article-body__interstitial interstitial-link"><span>Read more</span> '
        f'<a href="/r">{e(rng.choice(OTHER_HEADLINES))}</a></div>'
        '<div class="arcad-feature b-article-body__ad" data-ad-type="inline"><span '
        'class="ad-label">Advertisement</span><div id="arcad_inline_1"></div></div>'
    )
    blocks, gold = body_blocks(
        a,
        rng,
        '<p class="c-paragraph article-body__paragraph" data-el="text" dir="null">{text}</p>',
        '<figure class="c-media-item"><div class="c-image"><img src="/resizer/a.jpg" alt="">'
        '</div><figcaption class="c-media-item__fig-caption"><span class="c-media-item__caption">'
        '{caption}</span> <span class="c-media-item__credit">(Photo: Staff)</span>'
        "</figcaption></figure>",
        insert,
        extra,
    )
    authors = [x.strip() for x in (a.author or "").split(",") if x.strip()]
    byline = " and ".join(
        f'<a class="c-link" href="/people/{n.lower().replace(" ", "-")}/">{e(n)}</a>'
        for n in authors
    )
    fusion = json.dumps(
        {
            "_id": "ABC123",
            "type": "story",
            "canonical_url": f"/{a.section}/{a.slug}/",
            "headlines": {"basic": a.title},
            "credits": {"by": [{"name": n} for n in authors]},
            "display_date": a.published,
        },
        ensure_ascii=False,
    )
    return (
        f"""<!DOCTYPE html><html lang="{a.lang}"><head><meta charset="utf-8"/>
<title>{e(a.title)} | {e(a.site)}</title>
<meta name="description" content="{e(a.description)}"/>
<link rel="canonical" href="{e(a.url)}/"/>
{og(a)}
<meta property="article:author" content="https://www.facebook.com/{a.site.replace(" ", "")}"/>
{jsonld(a)}
<script id="fusion-metadata" type="application/javascript">window.Fusion=window.Fusion||{{}};Fusion.arcSite="{a.site.lower().replace(" ", "")}";Fusion.globalContent={fusion};Fusion.deployment="1234";</script>
</head><body><div id="fusion-app" class="layout-section"><div class="b-right-rail-advanced">
<header class="c-stack b-header-nav-chain" data-style-direction="vertical"><div class="b-header-nav-chain__top-layout">
<button class="c-button">Sections</button><a class="b-header-nav-chain__logo" href="/">{e(a.site)}</a>
<a class="c-button" href="/subscribe">Subscribe</a><a class="c-button" href="/login">Sign In</a></div>
{nav(SECTIONS)}</header>
<div class="b-alert-bar"><a href="/live">Live updates: follow the latest developments</a></div>
<main class="b-right-rail-advanced__main"><div class="b-right-rail-advanced__full-width-1">
<div class="b-overline"><a class="c-overline" href="/{a.section}/">{e(a.section.title())}</a></div>
<h1 class="b-headline c-heading" data-testid="headline">{e(a.title)}</h1>
<h2 class="b-subheadline c-heading">{e(a.description)}</h2>
</div>
<div class="b-right-rail-advanced__main-interior-item">
<div class="c-attribution b-byline"><span class="b-byline__by">By</span> {byline or "Staff"}</div>
<div class="b-date c-date"><time datetime="{a.published}">{human_date(a)} at 9:30 a.m. UTC</time></div>
{share("b-share-bar")}
<article class="b-article-body">
{"".join(blocks)}
</article>
<div class="b-tag-list"><a class="c-button--tag" href="/tags/x">{e(a.section.title())}</a><a class="c-button--tag" href="/tags/y">Europe</a></div>
<div class="b-newsletter-signup">{newsletter(a.site)}</div>
</div></main>
<aside class="b-right-rail-advanced__right-rail"><div class="b-top-table-list"><h2>Most Read</h2>{"".join(f'<div class="b-top-table-list-small"><a href="/m{i}"><h3 class="c-heading">{e(h)}</h3></a></div>' for i, h in enumerate(OTHER_HEADLINES[3:8]))}</div>
<div class="arcad-feature"><span class="ad-label">Advertisement</span></div></aside>
{related(rng, "b-results-list", "More from " + a.site)}
<footer class="b-footer"><div class="b-footer__links"><a href="/about">About Us</a><a href="/contact">Contact</a><a href="/terms">Terms of Service</a><a href="/privacy">Privacy Policy</a><a href="/ca-privacy">Your Privacy Choices</a></div>
<p class="b-footer__copyright">© 1996-2025 {e(a.site)}</p></footer>
</div></div>
<div id="onetrust-consent-sdk"><div id="onetrust-banner-sdk" role="alertdialog"><div id="onetrust-policy"><p id="onetrust-policy-text">{COOKIE}</p></div><button id="onetrust-accept-btn-handler">Accept All Cookies</button><button id="onetrust-pc-btn-handler">Cookie Settings</button></div></div>
</body></html>
""",
        gold,
    )


def page_brightspot(
    a: Article, rng: random.Random, extra: list[str] | None
) -> tuple[str, list[str]]:
    insert = (
        '<div class="Enhancement" data-align-center><div class="Enhancement-item"><ps-promo '
        'class="PagePromo" data-content-type="article"><div class="PagePromo-content">'
        '<div class="PagePromo-title"><a class="Link" href="/x"><span class="PagePromoContentIcons-text">'
        f"{e(rng.choice(OTHER_HEADLINES))}</span></a></div></div></ps-promo></div></div>"
    )
    blocks, gold = body_blocks(
        a,
        rng,
        "<p>{text}</p>",
        '<div class="Enhancement"><div class="Enhancement-item"><div class="Figure">'
        '<picture><img class="Image" src="/dims4/a.jpg" alt=""></picture>'
        '<div class="Figure-content"><div class="Figure-caption"><p>{caption}</p></div>'
        '<div class="Figure-credit">(AP Photo/Staff)</div></div></div></div></div>',
        insert,
        extra,
    )
    authors = [x.strip() for x in (a.author or "").split(",") if x.strip()]
    byline = ", ".join(
        f'<a class="Link" href="/author/{n.lower().replace(" ", "-")}">{e(n).upper()}</a>'
        for n in authors
    )
    return (
        f"""<!DOCTYPE html>
<html class="ArticlePage" lang="{a.lang}">
<head>
<meta charset="UTF-8">
<title>{e(a.title)} | {e(a.site)}</title>
<meta name="description" content="{e(a.description)}">
<link rel="canonical" href="{e(a.url)}">
<meta property="og:title" content="{e(a.title)}">
<meta property="og:url" content="{e(a.url)}">
<meta property="og:site_name" content="{e(a.site)}">
<meta name="brightspot.contentId" content="00000199-1234-5678">
<meta name="gtm-dataLayer" content='{{"author":"{e(a.author or "")}","publishedDate":"{a.published}"}}'>
{jsonld(a)}
</head>
<body class="ArticlePage-body" data-header-hat>
<bsp-header class="Page-header"><div class="Page-header-bar"><button class="Page-header-menu-trigger">Menu</button>
<a class="Page-header-logo" href="/">{e(a.site)}</a><div class="Page-header-search"><button>Search</button></div>
<a class="Page-header-donate" href="/donate">Donate</a></div>
<bsp-nav class="Page-header-navigation">{nav(SECTIONS)}</bsp-nav></bsp-header>
<div class="Page-breadcrumbs"><a href="/">Home</a> / <a href="/{a.section}">{e(a.section.title())}</a></div>
<main class="Page-main"><div class="Page-content">
<div class="Page-headline"><h1 class="Page-headline">{e(a.title)}</h1></div>
<div class="Page-lead"><div class="Page-lead-media"><img src="/lead.jpg" alt=""></div></div>
<div class="Page-byline"><div class="Page-authors">By&nbsp;{byline or "<span>THE ASSOCIATED PRESS</span>"}</div>
<div class="Page-dateModified"><bsp-timestamp data-timestamp="1757500000000"><span>Updated {human_date(a)}, 9:30 AM UTC</span></bsp-timestamp></div></div>
<div class="Page-actions"><bsp-share-modal><button>Share</button><div class="ActionBar-items">{share("ActionLink")}</div></bsp-share-modal></div>
<div class="Page-storyBody gtm-story-body"><bsp-story-page class="RichTextStoryBody RichTextBody">
{"".join(blocks)}
</bsp-story-page></div>
<div class="Page-storyBody-bottom"><div class="CreditLine">Copyright 2025 {e(a.site)}. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.</div></div>
<div class="Page-below"><div class="PageListRightRailA">{related(rng, "PageList-items", "RELATED COVERAGE")}</div></div>
</div>
<aside class="Page-aside"><div class="PageList"><div class="PageList-header"><h2 class="PageList-header-title">Trending Stories</h2></div>{"".join(f'<div class="PageList-items-item"><div class="PagePromo-title"><a class="Link" href="/t{i}">{e(h)}</a></div></div>' for i, h in enumerate(OTHER_HEADLINES[5:10]))}</div></aside>
</main>
<footer class="Page-footer"><div class="Page-footer-navigation"><a href="/about">About</a><a href="/careers">Careers</a><a href="/terms">Terms of Use</a><a href="/privacy">Privacy Policy</a><a href="/cookies">Cookie Settings</a></div>
<div class="Page-footer-disclaimer">All contents © copyright 2025 {e(a.site)}. All rights reserved.</div></footer>
<div class="Page-cookieConsent"><p>{COOKIE}</p><button>I agree</button></div>
</body>
</html>
""",
        gold,
    )


def page_drupal(a: Article, rng: random.Random, extra: list[str] | None) -> tuple[str, list[str]]:
    insert = (
        '<div class="embedded-entity align-center"><div class="newsletter-inline block-newsletter">'
        "<h3>Never miss a story</h3><p>Sign up to our free daily newsletter.</p>"
        '<form><input type="email"><input type="submit" value="Subscribe"></form></div></div>'
    )
    blocks, gold = body_blocks(
        a,
        rng,
        "<p>{text}</p>",
        '<figure role="group" class="caption caption-img align-center"><img src="/sites/default/files/styles/wide/a.jpg" alt="">'
        "<figcaption>{caption}</figcaption></figure>",
        insert,
        extra,
    )
    author = a.author or "Staff Reporter"
    return (
        f"""<!DOCTYPE html>
<html lang="{a.lang}" dir="ltr" prefix="content: http://purl.org/rss/1.0/modules/content/  dc: http://purl.org/dc/terms/  og: http://ogp.me/ns#">
<head>
<meta charset="utf-8" />
<meta name="title" content="{e(a.title)} | {e(a.site)}" />
<link rel="canonical" href="{e(a.url)}" />
<meta name="description" content="{e(a.description)}" />
<meta name="dcterms.title" content="{e(a.title)}" />
<meta name="dcterms.creator" content="{e(author)}" />
<meta name="dcterms.date" content="{a.published}" />
<meta property="og:site_name" content="{e(a.site)}" />
<meta property="og:title" content="{e(a.title)}" />
<meta property="article:published_time" content="{a.published}" />
<meta name="Generator" content="Drupal 10 (https://www.drupal.org)" />
<title>{e(a.title)} | {e(a.site)}</title>
</head>
<body class="path-node page-node-type-article">
<a href="#main-content" class="visually-hidden focusable skip-link">Skip to main content</a>
<div class="dialog-off-canvas-main-canvas" data-off-canvas-main-canvas>
<div class="layout-container">
<header role="banner"><div class="region region-header"><div id="block-sitebranding" class="block block-system block-system-branding-block"><a href="/" rel="home">{e(a.site)}</a><div class="site-slogan">News for the lakes and fells</div></div>
<div class="search-block-form block block-search"><form><input type="search" title="Enter the terms you wish to search for."><input type="submit" value="Search"></form></div></div></header>
<div class="region region-primary-menu">{nav(SECTIONS)}</div>
<div class="region region-breadcrumb"><nav class="breadcrumb" role="navigation"><ol><li><a href="/">Home</a></li><li><a href="/{a.section}">{e(a.section.title())}</a></li></ol></nav></div>
<main role="main"><a id="main-content" tabindex="-1"></a>
<div class="layout-content"><div class="region region-content">
<div data-drupal-messages-fallback class="hidden"></div>
<div id="block-pagetitle" class="block block-core block-page-title-block"><h1 class="page-title"><span class="field field--name-title field--type-string field--label-hidden">{e(a.title)}</span></h1></div>
<article role="article" about="/{a.section}/{a.slug}" class="node node--type-article node--promoted node--view-mode-full">
<footer class="node__meta"><div class="node__submitted">Submitted by <span class="field field--name-uid field--type-entity-reference field--label-hidden"><span>{e(author)}</span></span> on <span class="field field--name-created field--type-created field--label-hidden"><time datetime="{a.published}">{a.published[8:10]}/{a.published[5:7]}/{a.published[:4]} - 09:30</time></span></div></footer>
<div class="node__content">
<div class="field field--name-field-image field--type-image field--label-hidden field__item"><img src="/sites/default/files/lead.jpg" alt=""></div>
<div class="clearfix text-formatted field field--name-body field--type-text-with-summary field--label-hidden field__item">{"".join(blocks)}</div>
<div class="field field--name-field-tags field--type-entity-reference field--label-above"><div class="field__label">Tags</div><div class="field__items"><div class="field__item"><a href="/taxonomy/term/4" hreflang="en">{e(a.section)}</a></div><div class="field__item"><a href="/taxonomy/term/9" hreflang="en">Cumbria</a></div></div></div>
<ul class="links inline"><li class="comment-forbidden"><a href="/user/login">Log in</a> to post comments</li></ul>
</div>
<section class="comments"><h2>Comments</h2>{comments_block(rng, 2)}</section>
</article>
</div></div>
<aside class="layout-sidebar-second" role="complementary"><div class="region region-sidebar-second">
<div class="views-element-container block block-views"><h2>Most read</h2><div class="view view-most-read"><div class="item-list"><ul>{"".join(f'<li><a href="/m{i}">{e(h)}</a></li>' for i, h in enumerate(OTHER_HEADLINES[1:6]))}</ul></div></div></div>
<div class="block block-block-content"><h2>Advertise with us</h2><p>Reach 40,000 readers every week. Call our sales team on 01539 000000.</p></div>
</div></aside>
</main>
<footer role="contentinfo"><div class="region region-footer"><nav role="navigation"><ul class="menu"><li><a href="/contact">Contact us</a></li><li><a href="/complaints">Complaints</a></li><li><a href="/privacy">Privacy</a></li></ul></nav>
<div class="copyright">&copy; 2025 {e(a.site)}. Registered in England and Wales.</div></div></footer>
</div></div>
<div id="sliding-popup" class="sliding-popup-bottom"><div class="eu-cookie-compliance-banner"><div class="popup-content info"><div id="popup-text"><h2>We use cookies on this site to enhance your user experience</h2><p>By clicking the Accept button, you agree to us doing so.</p></div><div id="popup-buttons"><button class="agree-button">Accept</button><button class="decline-button">No, thanks</button></div></div></div></div>
</body>
</html>
""",
        gold,
    )


def page_nextjs(a: Article, rng: random.Random, extra: list[str] | None) -> tuple[str, list[str]]:
    insert = (
        '<aside class="ArticleBody_related__9dK2x"><h4 class="ArticleBody_relatedTitle__1aB">'
        f'Related</h4><a href="/x">{e(rng.choice(OTHER_HEADLINES))}</a></aside>'
    )
    blocks, gold = body_blocks(
        a,
        rng,
        '<p class="ArticleBody_paragraph__Xq3Lm">{text}</p>',
        '<figure class="Media_figure__2HjWd"><span style="box-sizing:border-box;display:block">'
        '<img alt="" src="/_next/image?url=%2Fa.jpg&amp;w=1200&amp;q=75" decoding="async"></span>'
        '<figcaption class="Media_caption__aB12C">{caption}</figcaption></figure>',
        insert,
        extra,
    )
    authors = [x.strip() for x in (a.author or "").split(",") if x.strip()]
    next_data = json.dumps(
        {
            "props": {
                "pageProps": {
                    "article": {
                        "id": 991,
                        "slug": a.slug,
                        "title": a.title,
                        "authors": authors,
                        "publishedAt": a.published,
                        "blocks": [{"type": "paragraph", "text": t} for t in a.paragraphs],
                    }
                }
            },
            "page": "/[section]/[slug]",
            "buildId": "k3j2h1",
        },
        ensure_ascii=False,
    )
    names = " and ".join(e(n) for n in authors) or "Staff"
    return (
        f"""<!DOCTYPE html><html lang="{a.lang}"><head><meta charSet="utf-8"/><meta name="viewport" content="width=device-width"/><title>{e(a.title)} - {e(a.site)}</title><meta name="description" content="{e(a.description)}"/><meta property="og:title" content="{e(a.title)}"/><meta property="og:url" content="{e(a.url)}"/><meta property="og:site_name" content="{e(a.site)}"/>{jsonld(a, with_body=True, gold=gold)}<link rel="preload" href="/_next/static/css/a1b2.css" as="style"/><noscript data-n-css=""></noscript></head><body><div id="__next"><div class="Layout_wrapper__k9Z2p"><header class="Header_header__3xYzQ"><a class="Header_logo__1a2b3" href="/">{e(a.site)}</a>{nav(SECTIONS)}<button class="Header_subscribe__9a8B7">Subscribe for £1</button></header><div class="Ticker_ticker__z1Y2x"><span>Breaking</span><a href="/b">{e(OTHER_HEADLINES[5])}</a></div><main class="Article_main__Q1w2E"><div class="Article_header__r4T5y"><a class="Article_kicker__u7I8o" href="/{a.section}">{e(a.section.title())}</a><h1 class="Article_title__p0O9i">{e(a.title)}</h1><p class="Article_standfirst__l1K2j">{e(a.description)}</p><div class="Byline_byline__h3G4f"><span class="Byline_author__d5S6a">{names}</span><time class="Byline_time__f7D8s" dateTime="{a.published}">{human_date(a)}</time><span class="Byline_readTime__g9H0j">4 min read</span></div>{share("Share_bar__b1N2m")}</div><div class="Article_body__v3C4x ArticleBody_root__n5M6b">{"".join(blocks)}</div><div class="Article_footer__x7Z8c"><div class="Tags_tags__c9V0b"><a href="/t/1">{e(a.section.title())}</a></div><div class="Paywall_nudge__q1W2e"><p>You have read 3 of 5 free articles this month.</p><a href="/subscribe">Subscribe now</a></div></div><section class="MostPopular_root__e3R4t"><h2>Most popular</h2><ol>{"".join(f'<li><a href="/p{i}">{e(h)}</a></li>' for i, h in enumerate(OTHER_HEADLINES[:5]))}</ol></section></main><footer class="Footer_footer__y5U6i"><p>© {e(a.site)} 2025</p><a href="/privacy">Privacy</a><a href="/terms">Terms</a><a href="/cookies">Manage cookies</a></footer></div><div class="CookieBanner_root__o7P8a" role="dialog"><p>{COOKIE}</p><button>Accept all</button><button>Reject all</button></div></div><script id="__NEXT_DATA__" type="application/json">{next_data}</script><script src="/_next/static/chunks/main-a1b2c3.js" async=""></script></body></html>""",
        gold,
    )


TEMPLATES = {
    "wordpress": page_wordpress,
    "arc": page_arc,
    "brightspot": page_brightspot,
    "drupal": page_drupal,
    "nextjs": page_nextjs,
}


# --------------------------------------------------------------------------- special pages


def special_pages() -> dict[str, tuple[bytes, dict[str, object]]]:
    """Hand-written pages for cases the templates do not cover."""
    pages: dict[str, tuple[bytes, dict[str, object]]] = {}

    # 1. A client-rendered app shell: the text is only in JSON-LD (and a JSON state blob).
    body = [
        "BRUSSELS (Reuters) - European Union energy ministers agreed on Monday to phase out "
        "imports of Russian liquefied natural gas by the end of 2027, a year earlier than "
        "first proposed, after a late-night session in Brussels.",
        "The agreement still needs the approval of the European Parliament, where a majority "
        "of lawmakers have pushed for an even faster exit.",
        "Hungary and Slovakia voted against the plan, arguing that their landlocked economies "
        "depend on pipeline supplies and that prices would rise for households.",
        "Officials said long-term contracts signed before June would be allowed to run until "
        "their expiry, while short-term contracts would end within six months of the rule "
        "taking effect.",
        "The Commission estimates that Russian gas still made up about 13 percent of the "
        "bloc's imports last year, down from 45 percent before the invasion of Ukraine.",
    ]
    title = "EU ministers agree to end Russian LNG imports by 2027"
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": "2025-10-20T21:45:00Z",
        "author": {"@type": "Person", "name": "Marek Nowak"},
        "publisher": {"@type": "Organization", "name": "Continental Brief"},
        "articleBody": "\n\n".join(body),
        "inLanguage": "en",
        "url": "https://www.continentalbrief.eu/energy/eu-russian-lng-2027",
    }
    doc = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)} | Continental Brief</title>
<script type="application/ld+json">{json.dumps(ld)}</script>
<link rel="canonical" href="https://www.continentalbrief.eu/energy/eu-russian-lng-2027"></head>
<body><div id="root"><header><a href="/">Continental Brief</a>{nav(SECTIONS)}</header>
<div class="spinner" aria-busy="true">Loading…</div>
<noscript>You need to enable JavaScript to run this app.</noscript>
<footer><a href="/privacy">Privacy</a> <a href="/imprint">Imprint</a> © 2025 Continental Brief</footer></div>
<script>window.__STATE__ = {json.dumps({"article": {"title": title}})};</script>
<script src="/static/js/main.7f3a.js"></script></body></html>"""
    pages["special-app-shell"] = (
        doc.encode(),
        {
            "title": title,
            "author": "Marek Nowak",
            "published": "2025-10-20",
            "body": "\n\n".join(body),
        },
    )

    # 2. An old table layout, windows-1252, paragraphs separated by <br><br>.
    body = [
        "PORT ALDEN — The town’s harbour master said on Tuesday that dredging of the inner "
        "basin would begin in March, ending two years of delays that have kept larger fishing "
        "boats moored outside the breakwater.",
        "The €3.1 million project, paid for jointly by the county and a regional development "
        "fund, will deepen the channel to four metres at low tide.",
        "“We have waited long enough,” said Moira Keane, who chairs the fishermen’s "
        "co-operative. “Every winter we lose days at sea because the boats cannot get in.”",
        "Contractors expect the work to take eleven weeks. The marina will stay open, but "
        "visiting yachts will be asked to use the outer pontoons until June.",
    ]
    title = "Harbour dredging to begin in March after two-year delay"
    rows = "<br><br>\n".join(e(p) for p in body)
    doc = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">
<title>Alden Coast Weekly - {e(title)}</title></head>
<body bgcolor="#ffffff"><table width="100%" border="0" cellpadding="4"><tr><td colspan="2"><font size="5"><b>Alden Coast Weekly</b></font><br>
<a href="index.html">Home</a> | <a href="news.html">News</a> | <a href="sport.html">Sport</a> | <a href="letters.html">Letters</a> | <a href="archive.html">Archive</a></td></tr>
<tr><td width="160" valign="top"><b>This week</b><br><a href="a.html">Lifeboat crew honoured</a><br><a href="b.html">School roof repairs</a><br><a href="c.html">Tide tables</a><br><a href="d.html">Classifieds</a></td>
<td valign="top"><font size="4"><b>{e(title)}</b></font><br><i>By Tom Hale, 14 October 2025</i><br><br>
{rows}
<br><br><hr><font size="1">Letters to the editor: editor@aldencoast.example. Copyright © 2025 Alden Coast Weekly.</font></td></tr></table></body></html>"""
    pages["special-table-cp1252"] = (
        doc.encode("cp1252"),
        {
            "title": title,
            "author": "Tom Hale",
            "published": "2025-10-14",
            "body": "\n\n".join(body),
        },
    )

    # 3. Paragraphs in <div>s without <p>, a live-style update list and a Q&A subheading.
    body = [
        "Water companies in England will have to publish hourly data on every storm overflow "
        "from next April, the environment secretary announced on Wednesday.",
        "The rules extend a pilot that covered about a third of overflows and will let "
        "swimmers check in real time whether sewage has been released upstream.",
        "What changes for bathers?",
        "Councils will be able to close designated bathing sites for the day when an "
        "overflow has spilled within the previous 48 hours, instead of waiting for weekly "
        "water samples.",
        "Industry body Water UK said its members supported the change but warned that the "
        "monitors would cost about £200 million to install.",
        "Campaigners said the data was welcome but that fines for illegal spills remained "
        "too low to change behaviour.",
    ]
    title = "Water firms must publish hourly sewage data from April"
    parts = []
    for p in body:
        if p.endswith("?"):
            parts.append(f'<div class="story-subhead"><strong>{e(p)}</strong></div>')
        else:
            parts.append(f'<div class="story-text">{e(p)}</div>')
    parts.insert(2, '<div class="story-ad"><span>ADVERTISEMENT</span></div>')
    doc = f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{e(title)}</title>
<meta property="og:title" content="{e(title)}"><meta property="og:site_name" content="Daily Meridian">
<meta name="author" content="Priya Nair"><meta property="article:published_time" content="2025-09-17T07:00:00+01:00">
<link rel="canonical" href="https://www.dailymeridian.co.uk/news/sewage-hourly-data"></head>
<body><div class="masthead"><a href="/">Daily Meridian</a><div class="menu"><a href="/news">News</a><a href="/sport">Sport</a><a href="/money">Money</a><a href="/travel">Travel</a><a href="/puzzles">Puzzles</a></div></div>
<div class="story"><div class="story-head"><h1>{e(title)}</h1><div class="story-byline">Priya Nair, Environment Correspondent</div><div class="story-date">17 September 2025 7:00am</div></div>
<div class="story-share"><a>Share on Facebook</a><a>Share on X</a><a>Email this article</a></div>
<div class="story-body">{"".join(parts)}</div>
<div class="story-more"><div class="more-title">More on this story</div><div><a href="/a">How clean is your local beach?</a></div><div><a href="/b">Fines for sewage spills: the full list</a></div></div></div>
<div class="footer">© Daily Meridian 2025 · <a href="/terms">Terms</a> · <a href="/privacy">Privacy notice</a></div></body></html>"""
    pages["special-div-paragraphs"] = (
        doc.encode(),
        {
            "title": title,
            "author": "Priya Nair",
            "published": "2025-09-17",
            "body": "\n\n".join(body),
        },
    )

    # 4. An AMP page with amp-img, an embedded social post and sidebar teaser text.
    body = [
        "NEW DELHI (PTI) — India's monsoon rainfall ended the season 8 percent above the "
        "long-period average, the weather office said on Tuesday, the second surplus year in "
        "a row.",
        "The north-west recorded its wettest season since 2013, while parts of the "
        "north-east remained in deficit for a fifth consecutive year.",
        "Farmers in Punjab and Haryana, where floods in August destroyed standing crops, have "
        "asked for compensation of 50,000 rupees an acre.",
        "The India Meteorological Department said it expected above-normal rainfall during "
        "the north-east monsoon over the southern peninsula from October to December.",
    ]
    title = "Monsoon ends 8% above normal, north-east stays dry"
    doc = f"""<!doctype html><html amp lang="en"><head><meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script>
<title>{e(title)} - Eastline Times</title>
<link rel="canonical" href="https://eastlinetimes.com/national/monsoon-ends-above-normal">
<meta name="viewport" content="width=device-width">
<script type="application/ld+json">{json.dumps({"@context": "http://schema.org", "@type": "NewsArticle", "headline": title, "datePublished": "2025-09-30T18:20:00+05:30", "author": [{"@type": "Person", "name": "Web Desk"}], "publisher": {"@type": "Organization", "name": "Eastline Times"}})}</script>
<style amp-custom>body{{font-family:sans-serif}}</style></head>
<body><header class="amp-header"><a href="/">Eastline Times</a><amp-sidebar id="sb" layout="nodisplay"><ul><li><a href="/national">National</a></li><li><a href="/world">World</a></li><li><a href="/business">Business</a></li><li><a href="/sports">Sports</a></li></ul></amp-sidebar></header>
<article><h1>{e(title)}</h1><div class="byline">Web Desk | Updated: Sep 30, 2025, 18:20 IST</div>
<amp-img src="/rain.jpg" width="800" height="450" layout="responsive"></amp-img><div class="caption">Commuters wade through a waterlogged street. (File photo)</div>
<p>{e(body[0])}</p><p>{e(body[1])}</p>
<amp-ad width="300" height="250" type="doubleclick" data-slot="/1/amp"><div placeholder>Advertisement</div></amp-ad>
<p>{e(body[2])}</p><amp-twitter width="375" height="472" layout="responsive" data-tweetid="1"><blockquote placeholder>Rain update from the weather office</blockquote></amp-twitter>
<p>{e(body[3])}</p>
<div class="also-read"><b>ALSO READ |</b> <a href="/x">Punjab floods: thousands still in relief camps</a></div>
</article>
<div class="trending"><h3>Trending</h3><p><a href="/t1">Sensex climbs 600 points as banks rally on rate hopes</a></p><p><a href="/t2">Tickets for the World Cup final sold out in minutes, say organisers</a></p></div>
<footer>Copyright © 2025 Eastline Times. All rights reserved.</footer></body></html>"""
    pages["special-amp"] = (
        doc.encode(),
        {
            "title": title,
            "author": "Web Desk",
            "published": "2025-09-30",
            "body": "\n\n".join(body),
        },
    )
    return pages


# --------------------------------------------------------------------------- held-out pages
# Written after the reader was tuned on the pages above, to check it on markup it had not
# seen; their first scores are reported in the closing note.


def _gold(title: str, author: str | None, published: str, body: list[str]) -> dict[str, object]:
    return {"title": title, "author": author, "published": published, "body": "\n\n".join(body)}


def holdout_pages() -> dict[str, tuple[bytes, dict[str, object]]]:
    pages: dict[str, tuple[bytes, dict[str, object]]] = {}

    # Ghost: a bookmark card and a members' sign-up box inside the content.
    title = "Library opening hours to be cut at six branches"
    body = [
        "Six branch libraries in the county will open for three fewer days a week from "
        "January under budget plans published by the council on Monday.",
        "The authority said it needed to save £1.4 million from its library service over two "
        "years and that reduced hours were preferable to closing buildings outright.",
        "Volunteers at the Millbrook branch said the change would hit older residents and "
        "families without home internet hardest.",
        "“For a lot of people this is the only warm, free place to sit and read,” said "
        "Margaret Osei, who runs a weekly reading group there.",
        "A public consultation on the proposals will run until 15 December.",
    ]
    card = (
        '<figure class="kg-card kg-bookmark-card"><a class="kg-bookmark-container" href="/x">'
        '<div class="kg-bookmark-content"><div class="kg-bookmark-title">Council budget: what '
        'is being cut</div><div class="kg-bookmark-description">Our guide to the savings '
        "proposed across every department this year.</div></div></a></figure>"
    )
    signup = (
        '<div class="kg-card kg-signup-card"><h2 class="kg-signup-card-heading">Get local news '
        'in your inbox</h2><p class="kg-signup-card-subheading">Free, every Friday. No spam.</p>'
        '<form data-members-form><input type="email"><button>Subscribe</button></form></div>'
    )
    ps = [f"<p>{e(p)}</p>" for p in body]
    ps.insert(2, card)
    ps.insert(4, signup)
    doc = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<meta name="generator" content="Ghost 5.80"><meta property="og:site_name" content="The Millbrook Chronicle">
<meta property="article:published_time" content="2025-11-03T08:15:00.000Z">
<script type="application/ld+json">{json.dumps({"@context": "https://schema.org", "@type": "Article", "publisher": {"@type": "Organization", "name": "The Millbrook Chronicle"}, "author": {"@type": "Person", "name": "Hannah Price", "url": "https://chronicle.example/author/hannah/"}, "headline": title, "datePublished": "2025-11-03T08:15:00.000Z"})}</script></head>
<body class="post-template"><div class="gh-site"><header class="gh-head"><a class="gh-head-logo" href="/">The Millbrook Chronicle</a><nav class="gh-head-menu"><ul class="nav"><li><a href="/">Home</a></li><li><a href="/council/">Council</a></li><li><a href="/schools/">Schools</a></li><li><a href="/about/">About</a></li></ul></nav><a class="gh-head-button" href="#/portal/signup">Subscribe</a></header>
<main class="gh-main"><article class="gh-article post"><header class="gh-article-header gh-canvas"><a class="gh-article-tag" href="/tag/council/">Council</a><h1 class="gh-article-title">{e(title)}</h1><p class="gh-article-excerpt">Branches will close three days a week to save money.</p>
<div class="gh-article-meta"><div class="gh-article-author-image"><img src="/a.jpg"></div><div class="gh-article-meta-wrapper"><h4 class="gh-article-author-name"><a href="/author/hannah/">Hannah Price</a></h4><div class="gh-article-meta-content"><time class="gh-article-meta-date" datetime="2025-11-03">Nov 3, 2025</time><span class="gh-article-meta-length"><span class="bull">—</span> 2 min read</span></div></div></div></header>
<section class="gh-content gh-canvas">{"".join(ps)}</section></article>
<section class="gh-container gh-outer"><h2 class="gh-container-title">Read more</h2><div class="gh-feed"><article class="gh-card"><a class="gh-card-link" href="/y"><h3 class="gh-card-title">School transport fares to rise</h3><div class="gh-card-excerpt">Parents face higher costs from September under new county rules.</div></a></article></div></section></main>
<footer class="gh-foot"><div class="gh-foot-inner"><div class="gh-copyright">The Millbrook Chronicle © 2025</div><nav class="gh-foot-menu"><a href="/privacy/">Privacy</a><a href="/contact/">Contact</a></nav><div class="gh-powered-by"><a href="https://ghost.org/">Powered by Ghost</a></div></div></footer></div></body></html>"""
    pages["holdout-ghost"] = (doc.encode(), _gold(title, "Hannah Price", "2025-11-03", body))

    # Guardian-like: inline "Related:" link, a long support appeal at the end of the body.
    title = "Rail strike called off after last-minute pay offer"
    body = [
        "A 48-hour strike by train drivers due to start on Thursday has been called off after "
        "the union received an improved pay offer late on Tuesday night.",
        "The offer, worth 4.5% this year and 3% next year, will be put to a ballot of members "
        "over the next three weeks, the union said.",
        "Passengers had been warned to expect no services at all on most routes in the north of "
        "England, where drivers at three operators had voted for action.",
        "Operators said timetables would return to normal from Thursday morning, although some "
        "early trains could still be cancelled because crews had been rostered off.",
        "The transport secretary welcomed the decision and urged both sides to reach a "
        "long-term agreement on working practices.",
    ]
    related_p = (
        '<p><strong>Related: </strong><a href="/r">Why Britain\'s railways keep striking</a></p>'
    )
    appeal = (
        '<div id="slot-body-end"><div class="contributions-epic"><h2>Before you move on …</h2>'
        "<p>… we have a small favour to ask. Millions of readers turn to us every month for "
        "independent journalism that is free for everyone to read, and we rely on the "
        "generosity of readers like you to keep it that way.</p><p>If you can, please consider "
        "supporting us with a contribution today. It takes only a minute and every gift, big "
        "or small, makes a real difference to our future.</p><a href='/support'>Support us</a>"
        "</div></div>"
    )
    ps = [f'<p class="dcr-s23rjr">{e(p)}</p>' for p in body]
    ps.insert(2, related_p)
    doc = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{e(title)} | Rail | The Northern Ledger</title>
<meta property="og:title" content="{e(title)}"><meta name="author" content="Sam Whitfield"><meta property="article:published_time" content="2025-10-22T06:30:52.000Z">
<meta property="og:site_name" content="the Northern Ledger"></head><body><div id="bannerandheader"><header data-component="nav2"><a href="/">The Northern Ledger</a><ul><li><a href="/news">News</a></li><li><a href="/opinion">Opinion</a></li><li><a href="/sport">Sport</a></li><li><a href="/culture">Culture</a></li><li><a href="/lifestyle">Lifestyle</a></li></ul></header></div>
<main data-layout="StandardLayout"><div class="dcr-headline"><h1>{e(title)}</h1></div><div class="dcr-standfirst"><p>Union to ballot members on improved offer worth 4.5% this year</p></div>
<div class="dcr-meta"><address aria-label="Contributor info"><a rel="author" href="/profile/sam">Sam Whitfield</a> Transport correspondent</address><details><summary>Wed 22 Oct 2025 07.30 BST</summary></details><div class="dcr-share"><a>Share</a></div></div>
<div id="maincontent"><div class="article-body-commercial-selector article-body-viewer-selector dcr-1t1ex9" data-gu-name="body">{"".join(ps)}</div>{appeal}</div>
<aside data-gu-name="right-column"><div class="dcr-most-viewed"><h2>Most viewed</h2><ol><li><a href="/1">Cost of living: energy price cap to rise in January</a></li><li><a href="/2">Storm warnings for the coast this weekend</a></li></ol></div></aside></main>
<footer><p>© 2025 The Northern Ledger Media Group. All rights reserved.</p></footer></body></html>"""
    pages["holdout-ledger"] = (doc.encode(), _gold(title, "Sam Whitfield", "2025-10-22", body))

    # A German regional page: "Lesen Sie auch", "Anzeige", a caption paragraph.
    title = "Stadtrat beschließt neues Radwegenetz für die Innenstadt"
    body = [
        "Der Stadtrat hat am Dienstagabend mit großer Mehrheit ein neues Radwegenetz für die "
        "Innenstadt beschlossen. Bis 2028 sollen zwölf Kilometer geschützte Radspuren entstehen.",
        "Die Kosten von rund 18 Millionen Euro will die Stadt zu zwei Dritteln aus Fördermitteln "
        "des Landes decken, wie Oberbürgermeisterin Petra Lindner erklärte.",
        "Der Einzelhandelsverband kritisierte, dass durch die Pläne mehr als 300 Parkplätze "
        "wegfallen. Die Geschäfte in der Altstadt seien auf Kunden aus dem Umland angewiesen.",
        "Die Bauarbeiten sollen im Frühjahr an der Bahnhofstraße beginnen und abschnittsweise "
        "erfolgen, damit der Busverkehr nicht unterbrochen werden muss.",
    ]
    ps = [f"<p>{e(p)}</p>" for p in body]
    ps.insert(1, '<p class="bildunterschrift">Radfahrer an der Bahnhofstraße. Foto: Jens Maier</p>')
    ps.insert(
        3, '<p><strong>Lesen Sie auch:</strong> <a href="/x">Neue Buslinie ab Dezember</a></p>'
    )
    ps.insert(4, '<div class="anzeige"><span>Anzeige</span></div>')
    doc = f"""<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{e(title)} - Neckar-Bote</title>
<meta name="author" content="Anna Schröder"><meta name="date" content="2025-10-15T18:40:00+02:00"><meta property="og:site_name" content="Neckar-Bote"></head>
<body><div class="kopf"><a href="/">Neckar-Bote</a><ul class="navi"><li><a href="/lokales">Lokales</a></li><li><a href="/region">Region</a></li><li><a href="/sport">Sport</a></li><li><a href="/kultur">Kultur</a></li></ul><a href="/abo">Abo</a> <a href="/login">Anmelden</a></div>
<div class="artikel"><span class="dachzeile">Verkehr</span><h1>{e(title)}</h1><div class="autor">Von Anna Schröder | 15.10.2025, 18:40 Uhr</div>
<div class="artikeltext">{"".join(ps)}</div><div class="teilen">Artikel teilen: Facebook | X | WhatsApp | E-Mail</div></div>
<div class="mehr"><h3>Mehr aus Lokales</h3><ul><li><a href="/1">Feuerwehr rückt zu Großeinsatz aus</a></li><li><a href="/2">Weihnachtsmarkt öffnet am 24. November</a></li></ul></div>
<div class="fuss">© Neckar-Bote 2025 · <a href="/impressum">Impressum</a> · <a href="/datenschutz">Datenschutz</a></div></body></html>"""
    pages["holdout-german"] = (doc.encode(), _gold(title, "Anna Schröder", "2025-10-15", body))

    # Body split by a widget; JSON-LD carries the full articleBody; author bio paragraph.
    title = "Hospital waiting lists fall for third month in a row"
    body = [
        "Waiting lists for planned hospital treatment in the region fell for the third "
        "consecutive month in September, according to figures published on Thursday.",
        "About 412,000 patients were waiting for operations such as hip and knee replacements, "
        "down from 419,000 in August and the lowest total since early last year.",
        "Health officials credited extra weekend clinics and the opening of a new surgical "
        "hub in Kingsford, which carried out more than 2,000 procedures in its first quarter.",
        "However, the number of people waiting more than a year for treatment rose slightly, "
        "and doctors' leaders warned that winter pressures could reverse the improvement.",
        "The regional health board said it would publish a winter plan next week.",
    ]
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": "2025-10-09T11:00:00Z",
        "author": {"@type": "Person", "name": "Leo Martins"},
        "publisher": {"@type": "Organization", "name": "Valley Courier"},
        "articleBody": " ".join(body),
    }
    doc = f"""<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>{e(title)}</title>
<script type="application/ld+json">{json.dumps(ld)}</script></head><body>
<div class="top-bar"><a href="/">Valley Courier</a> <a href="/subscribe">Subscribe</a> <a href="/e-edition">e-Edition</a></div>
<div class="main"><div class="story"><h1 class="story-title">{e(title)}</h1><div class="story-byline">Leo Martins, Health Reporter · Oct 9, 2025</div>
<div class="story-body part-1"><p>{e(body[0])}</p><p>{e(body[1])}</p></div>
<div class="widget video-player"><div class="vp-title">Watch: what the new surgical hub looks like inside</div><div class="vp-time">02:14</div><ul class="vp-playlist"><li>Ambulance queues: what can be done</li><li>Meet the nurses on the night shift</li><li>How to check your place on the list</li></ul></div>
<div class="story-body part-2"><p>{e(body[2])}</p><p>{e(body[3])}</p><p>{e(body[4])}</p></div>
<div class="author-bio"><p>Leo Martins is a health reporter for the Valley Courier. He can be reached at lmartins@valleycourier.example.</p></div></div>
<div class="sidebar"><h3>Trending</h3><p><a href="/t">High school football: Friday night scores</a></p><p><a href="/u">Obituaries</a></p></div></div>
<div class="footer">Copyright © 2025 Valley Courier. All rights reserved. <a href="/terms">Terms of Service</a></div></body></html>"""
    pages["holdout-split-body"] = (doc.encode(), _gold(title, "Leo Martins", "2025-10-09", body))

    # Blog-style comments without comment markup, and captions as <p class="wp-caption-text">.
    title = "Town's oldest cinema to reopen after restoration"
    body = [
        "The Regal, the town's oldest cinema, will reopen its doors on 1 December after an "
        "eighteen-month restoration paid for largely by local donations.",
        "The 1930s building had been closed since the roof was damaged in a storm, and at one "
        "point its owners applied for permission to turn it into flats.",
        "A community trust bought the building for £350,000 last year and raised a further "
        "£900,000 to repair the roof, restore the plasterwork and install a digital projector.",
        "The first screening will be a free showing of a classic musical for the volunteers "
        "who helped with the work, followed by a paid gala evening.",
    ]
    comments = "".join(
        f'<div class="c-item"><div class="c-head"><b>{n}</b> <span>{d}</span></div><div class="c-body">{t}</div></div>'
        for n, d, t in [
            (
                "Brian K",
                "2 days ago",
                "Wonderful news. I saw my first film there in 1971 and it is great that my grandchildren will be able to do the same.",
            ),
            (
                "Jo",
                "1 day ago",
                "Will there be parking nearby? The old car park was sold for housing and the streets around it are always full on a Saturday.",
            ),
        ]
    )
    ps = [f"<p>{e(p)}</p>" for p in body]
    ps.insert(
        2,
        '<div class="wp-caption"><img src="/regal.jpg"><p class="wp-caption-text">The restored auditorium, pictured last week. Photo: Regal Trust</p></div>',
    )
    doc = f"""<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{e(title)} | Hillside Herald</title>
<meta property="og:title" content="{e(title)}"><meta property="article:published_time" content="2025-11-12T09:00:00+00:00"><meta name="author" content="Dev Patel"></head>
<body><div id="wrapper"><div id="header"><h2><a href="/">Hillside Herald</a></h2><div id="menu"><a href="/">Home</a> | <a href="/news">News</a> | <a href="/whats-on">What's On</a> | <a href="/contact">Contact</a></div></div>
<div id="content"><div class="post"><h1>{e(title)}</h1><p class="meta">Posted by Dev Patel on 12 November 2025 in <a href="/arts">Arts</a></p>
<div class="entry">{"".join(ps)}</div><p class="tags">Tags: <a href="/t/cinema">cinema</a>, <a href="/t/heritage">heritage</a></p></div>
<div class="discussion"><h3>2 responses</h3>{comments}<div class="c-form"><textarea></textarea><button>Post</button></div></div></div>
<div id="sidebar"><h3>Archives</h3><ul><li><a href="/2025/11">November 2025</a></li><li><a href="/2025/10">October 2025</a></li></ul></div>
<div id="footer">Hillside Herald is a not-for-profit community newspaper.</div></div></body></html>"""
    pages["holdout-blog-comments"] = (doc.encode(), _gold(title, "Dev Patel", "2025-11-12", body))
    return pages


def main() -> None:
    articles = load_articles()
    rng = random.Random(20251021)
    for old in HERE.glob("*.html"):
        old.unlink()
    for old in HERE.glob("*.json"):
        old.unlink()
    for i, a in enumerate(articles):
        cms = CMS[i % len(CMS)]
        extra = EXTRAS[i % len(EXTRAS)] if i % 3 == 0 else None
        doc, gold = TEMPLATES[cms](a, rng, extra)
        name = f"{cms}-{re.sub(r'[^a-z0-9]+', '-', a.slug.lower()).strip('-')}"
        (HERE / f"{name}.html").write_text(doc, encoding="utf-8")
        meta = {
            "title": a.title,
            "author": a.author,
            "published": a.published[:10],
            "body": "\n\n".join(gold),
        }
        (HERE / f"{name}.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    for name, (data, meta) in {**special_pages(), **holdout_pages()}.items():
        (HERE / f"{name}.html").write_bytes(data)
        (HERE / f"{name}.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main()
