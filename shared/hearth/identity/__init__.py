"""Sign-in with the user pool as the user and org owners see it: the caller's profile and MFA
state, their sign-in sessions, and each org's security settings (MFA required, idle limit)."""
