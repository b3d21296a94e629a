"""Write the small e-commerce export the join tests read (run to regenerate; seeded).

`python tests/data/ecommerce/make_fixtures.py` rewrites three files, the way a shop exports them:

- customers.csv: one row per customer: customer_id, plan, churned (yes/no), signup_date.
- orders.csv: one row per order: order_id, customer_id, status, order_date; a few guest orders
  name a customer the customer file does not have.
- reviews.csv: one row per review: review_id, order_id, csat (1–5), submitted_at; about 4% name
  an order id the order file does not have (typed by hand), so the link matches ~96% of reviews.

Satisfaction depends on the order's status (returned and cancelled orders score lower) and
churn on the customer's satisfaction, so both "CSAT by order status" and "reviews against
churn" have something to find. Synthetic data generated here; nothing is copied.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 20261201
STATUS = ["delivered", "shipped", "returned", "cancelled"]
STATUS_P = [0.6, 0.2, 0.12, 0.08]
STATUS_SHIFT = {"delivered": 0.5, "shipped": 0.0, "returned": -1.3, "cancelled": -1.0}


def make(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(customers, orders, reviews)."""
    n_cust, n_orders, n_reviews = 300, 900, 600
    start = dt.date(2025, 1, 1)
    cust_ids = np.array([f"CUS-{i:04d}" for i in range(1, n_cust + 1)])
    mood = rng.normal(0, 1, n_cust)
    signup = [start + dt.timedelta(days=int(d)) for d in rng.integers(0, 300, n_cust)]

    order_ids = np.arange(100001, 100001 + n_orders)
    owner = rng.integers(0, n_cust, n_orders)
    guest = rng.random(n_orders) < 0.03
    order_cust = np.where(guest, [f"GUEST-{i:04d}" for i in range(n_orders)], cust_ids[owner])
    status = rng.choice(STATUS, n_orders, p=STATUS_P)
    order_date = [
        signup[o] + dt.timedelta(days=int(d))
        for o, d in zip(owner, rng.integers(0, 200, n_orders), strict=True)
    ]
    orders = pd.DataFrame(
        {
            "order_id": order_ids,
            "customer_id": order_cust,
            "status": status,
            "order_date": [d.isoformat() for d in order_date],
        }
    )

    reviewed = rng.choice(n_orders, n_reviews, replace=False)
    shift = np.array([STATUS_SHIFT[s] for s in status[reviewed]])
    latent = 3.4 + shift + 0.9 * mood[owner[reviewed]] + rng.normal(0, 0.7, n_reviews)
    csat = np.clip(np.round(latent), 1, 5).astype(int)
    review_order = order_ids[reviewed].copy()
    typo = rng.random(n_reviews) < 0.04
    review_order[typo] = review_order[typo] + 900_000  # an order number typed with an extra 9
    submitted = [
        order_date[i] + dt.timedelta(days=int(d))
        for i, d in zip(reviewed, rng.integers(3, 20, n_reviews), strict=True)
    ]
    reviews = pd.DataFrame(
        {
            "review_id": [f"RV{i:05d}" for i in range(1, n_reviews + 1)],
            "order_id": review_order,
            "csat": csat,
            "submitted_at": [d.isoformat() for d in submitted],
        }
    )

    p_churn = 1 / (1 + np.exp(-(-1.0 - 1.2 * mood)))
    customers = pd.DataFrame(
        {
            "customer_id": cust_ids,
            "plan": rng.choice(["Basic", "Plus", "Premium"], n_cust, p=[0.5, 0.3, 0.2]),
            "churned": np.where(rng.random(n_cust) < p_churn, "yes", "no"),
            "signup_date": [d.isoformat() for d in signup],
        }
    )
    return customers, orders, reviews


def main() -> None:
    """Rewrite the fixtures."""
    customers, orders, reviews = make(np.random.default_rng(SEED))
    customers.to_csv(HERE / "customers.csv", index=False)
    orders.to_csv(HERE / "orders.csv", index=False)
    reviews.to_csv(HERE / "reviews.csv", index=False)


if __name__ == "__main__":
    main()
