"""What residents' data rights contribute: `qa privacy find|export|erase|erase-expired` and the
worker's daily erasure of what is past its retention. The data itself is each package's: each
names its own in its package.py (`personal_data`)."""

from qa_app.packages import Package

PACKAGE = Package(
    name="privacy",
    commands=["privacy.cli:privacy_group"],
    cron_jobs=["privacy.requests:CRON_JOBS"],
    templates=False,
)
