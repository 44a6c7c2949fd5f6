"""Telephony: SMS and calls through an org's Twilio account — its phone numbers, messages sent
through the SMS send queue and received through Twilio's webhooks, opt-out compliance."""
