"""The scheduler service: fires due cron schedules, each fire time exactly once (`python -m services.scheduler`)."""
