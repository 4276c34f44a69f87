"""How the sample exports look, for :mod:`crisis_kit.samples.generator`.

The catalogue, the verbatim headers of design.md section 5, the formatting of each row, the
word pools of customer texts and the statement and ``incident.yaml`` templates. Pools are
``|``-separated strings; every draw goes through the caller's generator, so the texts are as
deterministic as the numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

ORDERS_HEADER = ("amazon-order-id merchant-order-id purchase-date last-updated-date order-status "
                 "fulfillment-channel sales-channel order-channel ship-service-level product-name "
                 "sku asin item-status quantity currency item-price item-tax shipping-price "
                 "shipping-tax gift-wrap-price gift-wrap-tax item-promotion-discount "
                 "ship-promotion-discount ship-city ship-state ship-postal-code ship-country "
                 "promotion-ids cpf is-business-order purchase-order-number "
                 "price-designation").split()
RETURNS_HEADER = ("return-date order-id sku asin fnsku product-name quantity fulfillment-center-id "
                  "detailed-disposition reason status license-plate-number "
                  "customer-comments").split()
REVIEWS_HEADER = ("Date,Author,Verified,Helpful,Title,Body,Rating,Images,Videos,URL,Variation,"
                  "Style").split(",")
FEEDBACK_HEADER = ("Date", "Rating", "Comments", "Response", "Order ID", "Rater Email")
BUSINESS_HEADER = (
    "(Parent) ASIN,(Child) ASIN,Title,SKU,Sessions - Total,Sessions - Total - B2B,"
    "Session Percentage - Total,Session Percentage - Total - B2B,Page Views - Total,"
    "Page Views - Total - B2B,Page Views Percentage - Total,Page Views Percentage - Total - B2B,"
    "Featured Offer (Buy Box) Percentage,Featured Offer (Buy Box) Percentage - B2B,Units Ordered,"
    "Units Ordered - B2B,Unit Session Percentage,Unit Session Percentage - B2B,"
    "Ordered Product Sales,Ordered Product Sales - B2B,Total Order Items,"
    "Total Order Items - B2B").split(",")
SHIP_LEVELS = ("Standard", "Expedited", "SecondDay", "NextDay")
QUALITY_REASONS = ("DEFECTIVE", "QUALITY_UNACCEPTABLE")
OTHER_REASONS = ("UNWANTED_ITEM", "ORDERED_WRONG_ITEM", "NOT_COMPATIBLE", "FOUND_BETTER_PRICE",
                 "DAMAGED_BY_CARRIER", "DAMAGED_BY_FC", "MISSED_ESTIMATED_DELIVERY", "EXTRA_ITEM")


@dataclass(frozen=True)
class Product:
    """One child ASIN of the sample seller (``orders``: pre-crisis orders per day)."""

    asin: str
    parent: str
    sku: str
    fnsku: str
    kind: str
    price: float
    orders: float
    title: str
    style: str


PRODUCTS = (
    Product("B0SAMPLE01", "B0SAMPLEP1", "MK-ACB9-3PK", "X003KQ7M1B", "bottle", 24.99, 32.0,
            "Mellowkin Anti-Colic Baby Bottle, 9 oz, 3 Pack, Vented Valve, BPA Free",
            "Size: 9 Ounce (Pack of 3)"),
    Product("B0SAMPLE02", "B0SAMPLE02", "MK-NPL-SF6", "X003KQ7M2C", "nipple", 11.99, 10.0,
            "Mellowkin Slow Flow Bottle Nipples, 6 Pack, for Anti-Colic Bottles",
            "Size: Slow Flow (Pack of 6)"),
    Product("B0SAMPLE03", "B0SAMPLE03", "MK-BRSH-2", "X003KQ7M3D", "brush", 9.99, 7.0,
            "Mellowkin Bottle Brush Set with Nipple Cleaner, Silicone, 2 Pack",
            "Color: Sage Green"),
)
BY_ASIN = {p.asin: p for p in PRODUCTS}

ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
XSS_BODY = ("The valve leaks from day one. <script>alert(1)</script> I tried to attach a photo "
            "<img src=x onerror=alert(2)> and the seller's page showed {{7*7}} instead of my "
            "order total. Milk leaked everywhere, do not buy.")
ADDRESSES = tuple(tuple(a.split(",")) for a in (
    "LOS ANGELES,CA,90026,0.095|SAN DIEGO,CA,92103,0.0775|SAN JOSE,CA,95112,0.09375|"
    "SEATTLE,WA,98103,0.1025|PORTLAND,OR,97205,0|PHOENIX,AZ,85016,0.086|"
    "LAS VEGAS,NV,89123,0.08375|DENVER,CO,80205,0.0881|AUSTIN,TX,78745,0.0825|"
    "HOUSTON,TX,77008,0.0825|DALLAS,TX,75214,0.0825|CHICAGO,IL,60614,0.1025|"
    "COLUMBUS,OH,43215,0.075|DETROIT,MI,48207,0.06|ATLANTA,GA,30307,0.089|"
    "CHARLOTTE,NC,28203,0.0725|MIAMI,FL,33133,0.07|ORLANDO,FL,32803,0.065|"
    "BROOKLYN,NY,11215,0.08875|BUFFALO,NY,14216,0.0875|BOSTON,MA,02130,0.0625|"
    "PHILADELPHIA,PA,19147,0.08|NEWARK,DE,19711,0|MINNEAPOLIS,MN,55408,0.08025|"
    "NASHVILLE,TN,37206,0.0925|SALT LAKE CITY,UT,84105,0.0775|BOISE,ID,83702,0.06|"
    "KANSAS CITY,MO,64111,0.0885|RALEIGH,NC,27605,0.0725|TAMPA,FL,33606,0.075").split("|"))
_FIRST = ("Jessica|Ashley|Emily|Sarah|Megan|Amanda|Lauren|Rachel|Brittany|Nicole|Samantha|"
          "Stephanie|Zoë|Renée|José|Michael|Chris|Daniel|David|Kevin|Priya|Mei|Aaliyah|Maria|"
          "Sofía|Hannah|Olivia|Tyler|Brandon|Kayla|Jasmine|Anh|Fatima|Chloé").split("|")
_HANDLES = "Amazon Customer|Amazon Customer|Amazon Customer|Kindle Customer|new mom|Mama Bear"

_POOLS = {  # tone: (titles, openers, middles, closers)
    "bottle_pos": (
        "Our baby loves these|Great anti-colic bottle|No more gas!|Best bottles we've tried|"
        "Easy to clean|Works great|Perfect for our breastfed baby|Love them|Five stars|"
        "Great value for a 3 pack|Really helped with colic|Worth every penny 👍",
        "We switched to these at 3 weeks.|Bought these for our second baby.|"
        "Our pediatrician suggested an anti-colic bottle.|I registered for these.|"
        "We tried four brands before this one.|Got these as a shower gift.",
        "No leaks and our son burps much less.|The vent works and she takes the bottle easily.|"
        "Easy to assemble, even at 3am.|Much less spit-up since we switched.|"
        "They go in the dishwasher and the sterilizer without any problem.|"
        "The 9 oz size lasts us well past the newborn stage.|"
        "Our little one went back and forth between breast and bottle with no fuss.",
        "Highly recommend.|Will buy again.|Already ordered a second pack.|"
        "Would give 6 stars if I could.|Happy parents here.|"),
    "bottle_fixed": (
        "The new valve fixed it|Updated version is great|Seller made it right|"
        "Back to loving these|No leaks with the new valve",
        "We had the leaking batch in May.|I was nervous after reading the reviews.|"
        "Ordered again after the recall notice.|The seller contacted us about the valve issue.",
        "The redesigned valve does not leak at all.|The seller sent a free replacement with the "
        "new valve and it works perfectly.|The new valve has a blue ring so you can tell it apart.|"
        "Two weeks of daily use and not a single drip.",
        "Great customer service.|Thank you for fixing it so fast.|Back to five stars.|"),
    "bottle_neg": (
        "Baby refused it|Flow too fast|Too many parts|Not for us|Cracked ring",
        "Tried these for a week.|We wanted to like these.|Ordered after a friend's recommendation.",
        "The nipple flow is way too fast for my newborn and she chokes.|"
        "Our baby refused to take this bottle at all.|"
        "Too many little parts to wash every night.|One ring arrived cracked.",
        "Returning.|Not worth it for us.|Maybe it works for other babies.|"),
    "leak": (
        "Valve leaks every single feed|Leaks from the vent valve|Milk leaked everywhere|"
        "Stopped using after 2 days - leaking|DO NOT BUY - leaks|Leaky bottle, soaked my baby|"
        "Defective valve|Worst bottle we've owned|Leaks around the valve when tilted|"
        "New batch is defective|Used to love these, now they leak|Formula all over the crib|"
        "Returned - leaking|The \"anti-colic\" valve is faulty|Disappointed. Leaks.|"
        "Three out of three bottles leak|Valve pops out and leaks|Soaked clothes every feed 😡",
        "We bought these for our newborn.|This is our second set of these bottles.|"
        "Ordered a 3 pack last week.|I used this brand for my first child.|"
        "Bought these after our pediatrician recommended anti-colic bottles.|"
        "Got these as a replacement for our old ones.|We were so excited to try these.",
        "The valve leaks as soon as you tilt the bottle.|"
        "Milk leaked everywhere - on me, the baby and the couch.|"
        "The little vent valve at the bottom does not seal and formula drips out.|"
        "Every single bottle leaks from the valve, not the nipple.|"
        "The valve leaks even when the ring is screwed on tight.|"
        "Within a day the valve started dripping.|Half of each feed ends up on my baby's neck.|"
        "The valve looks misshapen compared to our older bottles.|"
        "My baby's clothes are soaked after every feed.|We wasted so much breast milk.|"
        "Had to change her outfit twice this morning.|I cried over spilled pumped milk.",
        "Returning them.|Very disappointed.|Do not buy the new batch.|"
        "Contacted the seller, waiting for an answer.|Going back to our old bottles.|"
        "Please fix your quality control!|1 star because I can't give zero.|"),
    "nipple_pos": (
        "Fit perfectly|Good replacement nipples|Slow flow is right|Great spare set",
        "Needed spares for our bottles.|Our old nipples were worn out.",
        "They fit the anti-colic bottles perfectly.|The slow flow is just right for our 2 month "
        "old.|Soft silicone, no smell.",
        "Good value.|Will reorder.|"),
    "nipple_neg": (
        "Flow not slow|Tore after a week|Wrong size",
        "Bought as replacements.|Second pack we bought.",
        "Flow is much faster than the old slow flow nipples.|One nipple tore after a week.",
        "Returning.|Disappointed.|"),
    "brush_pos": (
        "Good brush|Does the job|Sturdy bottle brush|Love the nipple cleaner",
        "Bought with our bottles.|Needed a new brush.",
        "Reaches the bottom of the bottle easily.|The small brush cleans the valve well.|"
        "Dries quickly and stands up on its own.",
        "Recommend.|Nice.|"),
    "brush_neg": (
        "Bristles fell out|Flimsy|Handle broke",
        "Used it for two weeks.|Bought a 2 pack.",
        "Bristles started falling out into the bottle.|The handle snapped while scrubbing.",
        "Not buying again.|"),
    "mid": (
        "It's okay|Does the job|Average|Fine, nothing special|Three stars",
        "Used these for a month.|Bought these on sale.|",
        "Works fine but takes a while to clean.|Not bad, not great.|"
        "Good product but the price went up.|Our baby is indifferent to it.",
        "It's fine.|Might try another brand next time.|"),
}
_HEAT = ("The bottle also gets too hot after the warmer and I'm scared it could burn her mouth.|"
         "Also the plastic felt really hot out of the sterilizer, almost a burn.")
_RETURN_COMMENTS = {
    "leak": "Valve leaks|Leaks from the bottom valve|milk leaks everywhere|"
            "defective valve, leaks when tilted|LEAKING|all 3 bottles leak|||",
    "quality": "cheap plastic|ring cracked|smells like plastic||||",
    "other": "no longer needed|bought wrong size|baby prefers other bottle|"
             "found cheaper|arrived late||||||",
}
_FEEDBACK = {
    True: "Bottle valve leaked on first use. Very disappointed.|Item leaks, returned it.|"
          "Product defective – leaks from the valve.|"
          "Seller didn’t answer my message about the leaking bottle.|"
          "All three bottles leak. Waiting for my refund.|"
          "Leaking bottle, milk everywhere. Not as advertised.|"
          "“Anti-colic” valve leaks. Asked for a replacement.",
    False: "Package arrived late.|Box was crushed, item ok.|Shipping took forever.|"
           "Item fine but delivery was a week late.|Arrived without the box.|"
           "Ok product, slow delivery.",
}
_RESPONSES = {
    True: "We’re very sorry. We have refunded your order and sent a replacement with the "
          "redesigned valve.|We apologize — a valve batch was faulty. Your refund is issued "
          "and a free upgraded bottle is on its way.|Sorry for the trouble. Please check your "
          "buyer messages; we have issued a full refund.",
    False: "Sorry for the delay. Amazon handled the shipping of this order.|"
           "We’re sorry the box was damaged; please contact us if anything is missing.",
}


REPLIES_MD = """# Reply templates (customer service)

Approved with the response log's "reply template v1" (CS-LEAK-v1). `{{name}}` and
`[order id]` are placeholders.

## Leaking valve: refund and replacement

Subject: Your Mellowkin bottle order [order id]

We’re very sorry. We have refunded your order and sent a replacement with the redesigned valve.

## Late delivery (Amazon-fulfilled)

Sorry for the delay. Amazon handled the shipping of this order.
"""
"""``replies.md`` of the sample: the team's templates. Of the planted seller responses, the
first of each pool (``_RESPONSES``) follows one; the others were written off-script."""


def _pick(rng: np.random.Generator, pool: str) -> str:
    """One entry of a ``|``-separated pool."""
    items = pool.split("|")
    return items[int(rng.integers(len(items)))]


def tone(kind: str, rating: int) -> str:
    """Pool name for an ordinary review of a product ``kind`` with ``rating`` stars."""
    if rating == 3:
        return "mid"
    return f"{kind}_{'pos' if rating >= 4 else 'neg'}"


def review_text(rng: np.random.Generator, pool: str) -> tuple[str, str]:
    """Title and body of one review drawn from ``pool``."""
    titles, openers, middles, closers = _POOLS[pool]
    body = [_pick(rng, openers), _pick(rng, middles)]
    if rng.random() < .5:
        body.append(_pick(rng, middles))
    if pool == "leak" and rng.random() < .05:
        body.append(_pick(rng, _HEAT))
    body.append(_pick(rng, closers))
    text = " ".join(s for s in dict.fromkeys(body) if s)
    if rng.random() < .03:
        text = text.replace(". ", ".\n", 1)  # a line break inside the quoted field
    return _pick(rng, titles), text


def author(rng: np.random.Generator) -> str:
    """A review author name as Amazon shows it."""
    if rng.random() < .2:
        return _pick(rng, _HANDLES)
    return f"{_pick(rng, '|'.join(_FIRST))} {chr(65 + int(rng.integers(26)))}."


def return_comment(rng: np.random.Generator, reason: str, crisis: bool) -> str:
    """Customer comment of an FBA return (often empty)."""
    key = "leak" if crisis else ("quality" if reason in QUALITY_REASONS else "other")
    return _pick(rng, _RETURN_COMMENTS[key])


def feedback_comment(rng: np.random.Generator, crisis: bool) -> str:
    """Comment of a 1-3 star seller feedback."""
    return _pick(rng, _FEEDBACK[crisis])


def feedback_response(rng: np.random.Generator, crisis: bool) -> str:
    """The seller's public response to a feedback."""
    return _pick(rng, _RESPONSES[crisis])


STATEMENT_EN = """Published: {published}

# Statement on leaking valves in Mellowkin Anti-Colic Baby Bottles

## Situation

Since {alert_day}, parents have told us that some Mellowkin Anti-Colic Baby Bottles (9 oz,
3 pack, ASIN B0SAMPLE01) leak from the vent valve. The problem maybe affects bottles sold
from April 25, 2022.

## Truth

After verification we found that one batch of vent valves (batch 2204-B) was probably cut
outside its tolerance, so the valve does not seal when the bottle is tilted. No other
Mellowkin product uses this valve.

## Action

We have immediately stopped selling bottles from batch 2204-B and removed them from Amazon's
warehouses. We will refund all affected orders within 72 hours, with no need to return the
bottles. Every affected customer will receive an upgraded replacement bottle with the
redesigned valve within 7 days. Our support team answers every message as soon as possible.

## Result

A redesigned valve, tested on 2,000 bottles, will be in stock by May 16, 2022. We will
publish the test results and report back to our customers.
"""

STATEMENT_ZH = """发布时间：{published}

# 关于 Mellowkin 防胀气奶瓶阀门漏奶问题的声明

## 情况（Situation）

自{alert_day}起，有家长反映部分 Mellowkin 防胀气奶瓶（9 盎司 3 只装，ASIN B0SAMPLE01）的
排气阀漏奶。该问题可能涉及 2022 年 4 月 25 日起售出的奶瓶。

## 真相（Truth）

经核实，一批排气阀（批次 2204-B）的切口大概超出了公差范围，奶瓶倾斜时阀门无法密封。
Mellowkin 的其他产品均未使用该阀门。

## 行动（Action）

我们已立即停售批次 2204-B 的奶瓶，并已将其撤出亚马逊仓库。我们将在72小时内为所有受影响的订单
全额退款，无需退回奶瓶。每位受影响的顾客将在7天内收到一只采用新设计阀门的升级版替换奶瓶。
客服团队会尽快回复每一条消息。

## 结果（Result）

经 2,000 只奶瓶测试的新设计阀门将于 2022 年 5 月 16 日到货。我们将公布测试结果，并向顾客通报进展。
"""

def disposition(reason: str, donate: bool) -> str:
    """Detailed disposition of a returned unit, by return reason."""
    if reason in QUALITY_REASONS:
        return "DEFECTIVE" if not donate else "CUSTOMER_DAMAGED"
    return {"DAMAGED_BY_CARRIER": "CARRIER_DAMAGED", "DAMAGED_BY_FC": "DAMAGED"}.get(
        reason, "SELLABLE")


def status(reason: str, donate: bool) -> str:
    """Status of a returned unit, by return reason."""
    if reason in ("DAMAGED_BY_CARRIER", "DAMAGED_BY_FC"):
        return "Reimbursed"
    if donate and disposition(reason, donate) != "SELLABLE":
        return "IMMEDIATE_DONATION"
    return "Unit returned to inventory"


INCIDENT_YAML = r"""# Sample incident; regenerate with: python -m crisis_kit.samples data/samples
incident: bottle-valve-2022
title: Anti-colic bottle valve leak
marketplace: US
language: en
asins: [B0SAMPLE01]
complaints:
  - path: exports/reviews.csv
  - path: exports/fba_returns.txt
    format: amazon-fba-returns
  - path: exports/seller_feedback.txt
sales:
  - path: exports/orders.txt
  - path: exports/business/*.csv
    date_pattern: '(?P<date>\d{4}-\d{2}-\d{2})'
actions: response_log.csv
statement: statement.md
reply_templates: replies.md
followups: followups.csv
remedies:
  - {name: upgraded-replacement, unit_cost: 18.5, offered_from: 2022-05-04}
  - {name: double-coupon, unit_cost: 5.0, offered_from: 2022-06-01}
  - {name: free-safety-check, unit_cost: 2.5, offered_from: 2022-05-04}
onset: null
thresholds:
  negative_growth: 0.15
  min_negative_per_day: 5
  golden_hours: 4
  rating_window_days: 30
  target_rating: 4.2
  baseline_days: 28
  sales_target: 1.2
"""


# The response log: (when, lane, action, channel, owner, ref); ``when`` is hours after the
# alert (float), hours after the statement's publication ("published", h) or a Pacific time.
ACTIONS = (
    ("2022-04-14 10:00", "marketing", "schedule Mother's Day Sponsored Products campaign",
     "amazon-ads", "marketing-lead", "SP-MD-2022"),
    (.75, "cs", "open leak case queue and pause auto-replies", "seller-central", "cs-lead",
     "queue LEAK-2204B"),
    (1.3, "exec", "crisis war room convened", "internal", "ceo", "memo CR-01"),
    (1.6, "cs", "reply template v1 approved for all buyer messages", "buyer-messages",
     "cs-lead", "template CS-LEAK-v1"),
    (2.6, "pr", "holding statement drafted", "internal", "pr-manager", "statement.md"),
    (("published", 0), "pr", "customer statement published", "website", "pr-manager",
     "statement.md"),
    (9.2, "tech", "root-cause investigation opened: valve teardown", "factory", "qa-engineer",
     "8D-2022-014"),
    (27, "tech", "root cause confirmed: batch 2204-B valve slit out of tolerance", "factory",
     "qa-engineer", "8D-2022-014"),
    (30, "platform", "removal order for batch 2204-B inventory", "seller-central",
     "account-manager", "removal order RO-5521"),
    (52, "platform", "Plan of Action submitted to Amazon", "seller-central", "account-manager",
     "case 10384729561"),
    (("published", 51), "cs", "refund affected orders", "seller-central", "cs-lead",
     "orders 2022-04-25..2022-05-15"),
    (("published", 195), "cs", "upgraded replacements shipped", "multi-channel-fulfillment",
     "ops-lead", "MCF batch RPL-01"),
    ("2022-05-16 09:00", "tech", "redesigned valve batch 2205-C received at FBA", "factory",
     "qa-engineer", "inbound FBA16Q2K7"),
    ("2022-05-19 15:00", "platform", "POA accepted, listing alert cleared", "seller-central",
     "account-manager", "case 10384729561"),
    ("2022-06-01 08:00", "marketing", "launch 20% coupon", "amazon-coupons", "marketing-lead",
     "PLM-Coupon-MK20-2206"),
    ("2022-06-06 09:00", "marketing", "Sponsored Products ads relaunch", "amazon-ads",
     "marketing-lead", "SP-RELAUNCH-01"),
    ("2022-06-10 16:00", "exec", "post-mortem review with management", "internal", "ceo",
     "PM-2022-05"),
    ("2022-06-18 10:00", "marketing", "community event: live Q&A with the valve engineer",
     "facebook", "community-manager", "event 2022-06-18"),
    ("2022-07-02 12:00", "marketing", "transparent supply chain video: valve test line",
     "youtube", "marketing-lead", "video SC-01"),
)

# The repair campaign (docs/ingest.md, "Outreach campaigns"): actions of the log with their
# audience and counts (sent, opened, clicked, replied, redeemed). The e-mail's coupon
# conversion is the playbook's 17 %: 83 of 486.
CAMPAIGN_COLUMNS = ("audience", "sent", "opened", "clicked", "replied", "redeemed")
CAMPAIGNS = (
    ("2022-06-01 10:00", "marketing", "e-mail to affected buyers: apology, the new valve, 20% coupon",
     "email", "marketing-lead", "PLM-Coupon-MK20-2206", "buyers of affected orders 2022-04-25..2022-05-15",
     486, 231, 97, 12, 83),
    ("2022-06-03 18:00", "marketing", "community post: what went wrong with the valve and what changed",
     "community", "community-manager", "post 2022-06-03", "Mellowkin Parents community members",
     5000, 1840, 212, 64, 41),
)


# The POA's follow-ups as the team tracks them (followups.csv, docs/poa.md): one done
# corrective measure with a topic (its effect is measured), one preventive measure overdue
# on the last day of data, one done without a topic, one open and not yet due.
FOLLOWUPS_HEADER = ("kind", "measure", "owner", "due", "status", "topic", "effective", "ref")
FOLLOWUPS = (
    ("corrective", "Replace the valve: redesigned batch 2205-C in stock at FBA", "qa-engineer",
     "2022-05-16", "done", "quality", "2022-05-16", "inbound FBA16Q2K7"),
    ("preventive", "Incoming inspection of the valve slit on every batch, 200 units, "
     "tolerance 0.05 mm", "qa-lead", "2022-06-15", "in-progress", "quality", "", "8D-2022-014"),
    ("preventive", "Daily monitoring of negative reviews and returns, alert above 15 % growth "
     "a day", "cs-lead", "2022-05-09", "done", "", "2022-05-09", "crisis-kit monitor"),
    ("preventive", "Cleaning and assembly card in every box", "ops-lead", "2022-09-30", "open",
     "usability", "", ""),
)


def iso_utc(ts: pd.Series) -> list[str]:
    """UTC timestamps as ``2022-05-02T18:31:40+00:00``."""
    return list(ts.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"))


def lines(rows: Sequence[Sequence[str]], eol: str = "\n") -> str:
    """Tab-separated flat-file text (Amazon does not quote), each row ended by ``eol``."""
    return "".join("\t".join(row) + eol for row in rows)


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]], eol: str) -> str:
    """CSV text with minimal quoting; quoted fields may span lines."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=eol)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def review_rows(reviews: pd.DataFrame) -> list[list[object]]:
    """Helium 10 review rows, newest first as the tool exports them."""
    out = []
    for r in reviews.sort_values("local_date", ascending=False, kind="stable").itertuples():
        day = r.local_date
        url = (f"https://www.amazon.com/gp/customer-reviews/{r.review_id}/ref=cm_cr_arp_d_rvw_ttl"
               f"?ie=UTF8&ASIN={r.asin}")
        out.append([f"{day:%B} {day.day}, {day.year}", r.author,
                    "Verified Purchase" if r.verified else "", r.helpful, r.title, r.body,
                    r.rating, r.image, "", url, r.asin, BY_ASIN[r.asin].style])
    return out


def return_rows(returns: pd.DataFrame, orders: pd.DataFrame) -> list[list[str]]:
    """FBA customer returns rows (one unit each), oldest first."""
    out = [RETURNS_HEADER]
    for r, o, at in zip(returns.itertuples(), orders.loc[returns.order_index].itertuples(),
                        iso_utc(returns.utc), strict=True):
        p = BY_ASIN[o.asin]
        out.append([at, o.order_id, p.sku, p.asin, p.fnsku, p.title, "1", r.fc,
                    disposition(r.reason, r.donate), r.reason, status(r.reason, r.donate),
                    r.lpn, r.comments])
    return out


def feedback_rows(feedback: pd.DataFrame, orders: pd.DataFrame) -> list[list[str]]:
    """Seller feedback rows (six-column layout, US dates), newest first."""
    out = [list(FEEDBACK_HEADER)]
    for r in feedback.sort_values("local_date", ascending=False, kind="stable").itertuples():
        day = r.local_date
        out.append([f"{day.month}/{day.day}/{day:%y}", str(r.rating), r.comments, r.response,
                    orders.order_id[r.order_index], r.email])
    return out


def order_rows(orders: pd.DataFrame) -> list[list[str]]:
    """All-orders flat file rows; cancelled lines have quantity 0 and zero money."""
    out = [ORDERS_HEADER]
    updated = iso_utc(orders.utc + pd.to_timedelta(orders.hours, "h"))
    for o, bought, upd in zip(orders.itertuples(), iso_utc(orders.utc), updated, strict=True):
        p, (city, state, zipcode, rate) = BY_ASIN[o.asin], ADDRESSES[o.addr]
        qty = 0 if o.cancelled else int(o.qty)
        price, status_ = qty * o.price, "Cancelled" if o.cancelled else "Shipped"
        discount = f"{-o.discount:.2f}" if o.discount else "0.00"
        out.append([o.order_id, "", bought, upd, status_, "Amazon", "Amazon.com", "",
                    SHIP_LEVELS[o.level], p.title, p.sku, p.asin, status_, str(qty), "USD",
                    f"{price:.2f}", f"{price * float(rate):.2f}", "0.00", "0.00", "", "",
                    discount, "0.00", city, state, zipcode, "US", o.promotion, "",
                    "true" if o.business else "false", "",
                    "BusinessPrice" if o.business else ""])
    return out


def traffic(rng: np.random.Generator, orders: pd.DataFrame, days: pd.DatetimeIndex,
            hero_dip: np.ndarray) -> pd.DataFrame:
    """Per Pacific day and ASIN: units, sales and items from ``orders``, and invented traffic.

    Sessions follow units through a conversion rate (12 % for the hero, times ``hero_dip``
    per day; 14 % for the others), with log-normal noise.
    """
    live = orders[~orders.cancelled].assign(sales=lambda d: d.qty * d.price, items=1)
    grid = pd.MultiIndex.from_product([days, [p.asin for p in PRODUCTS]],
                                      names=["local_date", "asin"])
    cols = ["qty", "sales", "items"]
    df = live.groupby(["local_date", "asin"])[cols].sum().reindex(grid, fill_value=0).join(
        live[live.business].groupby(["local_date", "asin"])[cols].sum().add_suffix("_b2b"))
    df = df.fillna(0).reset_index().rename(columns={"qty": "units", "qty_b2b": "units_b2b"})
    for col in ("units", "items", "units_b2b", "items_b2b"):
        df[col] = df[col].astype(int)
    hero = (df.asin == PRODUCTS[0].asin).to_numpy()
    conv = np.where(hero, .12 * np.repeat(hero_dip, len(PRODUCTS)), .14)
    n = len(df)
    df["sessions"] = np.maximum(df.units, np.round((df.units + .5) / conv
                                                   * rng.lognormal(0, .08, n))).astype(int)
    df["sessions_b2b"] = np.maximum(4 * df.units_b2b, rng.binomial(df.sessions, .025))
    df["views"] = np.round(df.sessions * rng.uniform(1.15, 1.45, n)).astype(int)
    df["views_b2b"] = np.round(df.sessions_b2b * rng.uniform(1.1, 1.5, n)).astype(int)
    df["buy_box"] = rng.choice([100.0, 100.0, 99.8, 99.6, 98.9], n)
    return df


def business_rows(day: pd.DataFrame) -> list[list[str]]:
    """Business Report rows of one day from a table of per-ASIN traffic and sales."""
    total = day[["sessions", "sessions_b2b", "views", "views_b2b"]].sum()

    def pct(a: float, b: float) -> str:
        return f"{100 * a / b if b else 0:.2f}%"

    return [[p.parent, p.asin, p.title, p.sku, f"{t.sessions:,}", f"{t.sessions_b2b:,}",
             pct(t.sessions, total.sessions), pct(t.sessions_b2b, total.sessions_b2b),
             f"{t.views:,}", f"{t.views_b2b:,}", pct(t.views, total.views),
             pct(t.views_b2b, total.views_b2b), f"{t.buy_box:.2f}%",
             "100.00%" if t.sessions_b2b else "0.00%", f"{t.units:,}", f"{t.units_b2b:,}",
             pct(t.units, t.sessions), pct(t.units_b2b, t.sessions_b2b), f"${t.sales:,.2f}",
             f"${t.sales_b2b:,.2f}", f"{t.items:,}", f"{t.items_b2b:,}"]
            for p, t in ((BY_ASIN[t.asin], t) for t in day.itertuples())]
