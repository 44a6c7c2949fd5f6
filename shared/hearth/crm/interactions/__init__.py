"""Interactions: emails, SMS, calls, meetings and system events with people, companies and
deals — the backbone of their timelines."""
