"""Billing with Stripe: plans (configuration in ``hearth.plans``), what an org may do now
(``access``), monthly quotas and the usage ledger (``usage``), Checkout, the portal and the
billing overview (``logic``), what Stripe's events do (``subscriptions``), the hourly report to
Stripe's meters (``reporting``) and the one module that calls Stripe (``stripe_api``)."""
