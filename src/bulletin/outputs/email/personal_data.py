"""The personal-data guard: likely identifying details in one line of text.

A heuristic, not a promise (see docs/checks.md): it knows the shapes of UK identifiers,
not who a person is. Names, addresses and descriptions that identify a child in context
cannot be found this way; the writer and an editor remain responsible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"  # 12/03/2012, 3.3.15
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}\.?(?:,?\s+\d{{4}})?"  # 3 March 2015
    rf"|{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"  # March 3rd, 2015
    r"|\d{4}-\d{2}-\d{2})"  # 2015-03-03
)
DATE_OF_BIRTH = re.compile(
    rf"\b(?:d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|born(?:\s+on)?)\s*(?:[:\-–]\s*|is\s+)?{_DATE}",
    re.IGNORECASE,
)
# HMRC's rules: first letter not D, F, I, Q, U or V; second not D, F, I, O, Q, U or V;
# BG, GB, KN, NK, NT, TN and ZZ never issued; the suffix is A, B, C or D.
NATIONAL_INSURANCE = re.compile(
    r"\b(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b",
    re.IGNORECASE,
)
# A run that starts like a UK number; its digits are counted afterwards.
PHONE = re.compile(r"(?<![\w+/.])(?:\+44[\s-]*(?:\(0\)[\s-]*)?|\(?0)[1237][\d\s()-]{7,16}")
PHONE_PREFIXES = ("01", "02", "03", "07")
EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]+)@([\w-]+(?:\.[\w-]+)+)")
ROLE_WORDS = frozenset(
    """
    accounts admin administrator board bulletin business careers chair chairs clerk comms
    communications complaints contact contactus dataprotection dpo editor enquiries enquiry
    events feedback finance foi general hello help helpdesk hr info information jobs lscb lscp
    mail mailbox manager marketing mash media membership members news newsletter noreply
    no-reply office partnership postmaster press reception recruitment referrals sales
    safeguarding scrutiny secretariat secretary subscribe support team training unsubscribe
    webmaster website
    """.split()  # noqa: SIM905
)
"""Words that make an address a role's rather than a person's (info@, safeguarding.team@)."""
REVIEWS = r"(?:SCR|CSPR|LCSPR|SAR|SAAR|DHR|DARDR|LSCPR|CR)"
CASE_REFERENCE = re.compile(
    # "Case ref 12345", "case no. LA/2023/17", "case reference: 98765"; the blanks are
    # possessive (\s*+): giving some back never helps, and trying each split was quadratic
    r"\bcase\s*(?:ref(?:erence)?|no|number|id)\b\.?\s*+[:#]?\s*+(?P<ref>[A-Z]*[-/]?\d[\w/-]*)"
    # "CR-2023-0045", "SCR/2019/03", "LCSPR 2022-07", "SAR 12"
    rf"|(?-i:\b{REVIEWS})\s?[-/ ]\s?(?:no\.?\s*)?(?P<review>\d{{1,4}}(?:[-/]\d{{1,6}})*)\b"
    # a system's reference: letters, then two numeric parts, e.g. "LA-2023-0045"
    r"|(?-i:\b[A-Z]{2,5}[-/]\d{2,4}[-/]\d{2,6}\b)",
    re.IGNORECASE,
)
NHS_NUMBER = re.compile(r"(?<![\d\w])(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})(?![\d\w])")


@dataclass(frozen=True, slots=True)
class Suspect:
    """One likely piece of personal data: what it looks like, and the text that matched."""

    kind: str
    text: str


def normalise_phone(text: str) -> str:
    """A UK number in national form, digits only: '+44 (0)1632 960123' -> '01632960123'."""
    digits = re.sub(r"\D", "", text)
    if text.lstrip("( ").startswith("+44"):
        digits = digits[2:]
        digits = digits if digits.startswith("0") else "0" + digits
    return digits


def _is_nhs_number(digits: str) -> bool:
    """The NHS number's modulus 11 check digit, so that ordinary 10-digit figures pass."""
    total = sum(
        int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _is_individual(local: str, allowed_emails: frozenset[str], address: str) -> bool:
    if address.lower() in allowed_emails:
        return False
    words = re.split(r"[._+-]", local.lower())
    return not any(word in ROLE_WORDS for word in words)


def find_personal_data(
    line: str,
    *,
    allowed_emails: Iterable[str] = (),
    allowed_phones: Iterable[str] = (),
) -> list[Suspect]:
    """Likely personal data in one line, in the order found."""
    emails = frozenset(address.lower() for address in allowed_emails)
    phones = frozenset(normalise_phone(phone) for phone in allowed_phones)
    found: list[tuple[int, Suspect]] = []
    for match in DATE_OF_BIRTH.finditer(line):
        found.append((match.start(), Suspect("a date of birth", match.group())))
    for match in NATIONAL_INSURANCE.finditer(line):
        found.append((match.start(), Suspect("a National Insurance number", match.group())))
    for match in PHONE.finditer(line):
        text = match.group().rstrip(" -(")
        digits = normalise_phone(text)
        if len(digits) in (10, 11) and digits.startswith(PHONE_PREFIXES) and digits not in phones:
            found.append((match.start(), Suspect("a phone number", text.strip())))
    for match in EMAIL.finditer(line):
        if _is_individual(match.group(1), emails, match.group()):
            found.append((match.start(), Suspect("a personal email address", match.group())))
    for match in CASE_REFERENCE.finditer(line):
        review = match.group("review")
        if review and re.fullmatch(r"(?:19|20)\d\d", review):
            continue  # "the SAR 2019 report" names a year, not a case
        found.append((match.start(), Suspect("a case reference", match.group())))
    for match in NHS_NUMBER.finditer(line):
        digits = "".join(match.groups())
        if _is_nhs_number(digits) and not normalise_phone(digits).startswith(PHONE_PREFIXES):
            found.append((match.start(), Suspect("an NHS number", match.group())))
    return [suspect for _, suspect in sorted(found, key=lambda item: item[0])]
