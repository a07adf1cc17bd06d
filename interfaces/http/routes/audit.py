"""What auditors ask: is every history intact, and who read whose personal data."""

from fastapi import APIRouter

router = APIRouter(prefix="/audit", tags=["audit"])
