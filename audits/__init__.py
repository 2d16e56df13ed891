"""Mystery-email audits: campaigns of test emails, the QA mailbox, reply matching, working hours and grading."""
