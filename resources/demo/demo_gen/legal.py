"""Twenty legal and contract items: clause questions, statute questions, intake chats.

Fictional and for demonstration only; several answers are deliberately wrong
so reviewers have something to catch. Not legal advice.
"""

from __future__ import annotations

from demo_gen.model import NEW, Spec, pair, single, t

LIABILITY = t("""
12.1 Except for a party's breach of Section 9 (Confidentiality) or its indemnification
obligations under Section 11, neither party's aggregate liability arising out of or related
to this Agreement shall exceed the fees paid or payable by Customer in the twelve (12)
months preceding the event giving rise to the claim.

12.2 In no event shall either party be liable for any indirect, incidental, special or
consequential damages, including lost profits, even if advised of their possibility.
""")

TERMINATION = t("""
15.2 Either party may terminate this Agreement for convenience upon ninety (90) days' prior
written notice to the other party, provided that Customer shall pay all Fees for Services
performed through the effective date of termination.

15.3 Upon any termination, Provider shall, at Customer's request made within thirty (30)
days, return or delete Customer Data.
""")

HANDBOOK = t("""
4.1 Paid vacation. Full-time employees accrue 1.25 days of paid vacation per full month of
service (15 days per year). Up to 5 unused days may be carried over into the next calendar
year. New employees may use accrued vacation after completing 90 days of employment.
""")

ASSIGNMENT = t("""
18.4 Assignment. Neither party may assign this Agreement without the other party's prior
written consent, except that either party may assign this Agreement without consent to a
successor in connection with a merger, acquisition, or sale of all or substantially all of
its assets, provided that the assignee agrees in writing to be bound by this Agreement.
""")

ITEMS: list[Spec] = [
    single(
        "law-001",
        "Under this NDA, am I allowed to tell my own lawyer about the deal?",
        "Yes. Section 4 lets you share Confidential Information with your professional "
        "advisers who need to know it for the Purpose, and a lawyer advising you on the deal is "
        "exactly that. They must be bound by confidentiality duties at least as protective as "
        "the NDA; a lawyer's professional duty of confidentiality normally satisfies this.",
        c=5,
        verdict="ship",
        why="Reads the clause correctly, including the equal-protection condition.",
        context="4. Recipient may disclose Confidential Information to its employees, officers "
        "and professional advisers who need to know it for the Purpose and who are bound by "
        "confidentiality obligations no less protective than those in this Agreement.",
    ),
    single(
        "law-002",
        "If the vendor leaks our customer data, is their liability capped at 12 months of fees?",
        "Yes. Section 12.1 caps each party's total liability at the fees paid in the twelve "
        "months before the claim, so any claim for a data leak would be limited to that amount.",
        c=2,
        issues=("hallucination",),
        verdict="reject",
        why="A confidentiality breach is carved out of the 12.1 cap; only 12.2's exclusion of "
        "indirect damages still applies.",
        hard=True,
        context=LIABILITY,
    ),
    single(
        "law-003",
        "What is the difference between a condition and a warranty in English contract law?",
        t("""
        A **condition** is a term so important that breaking it lets the innocent party treat
        the contract as ended (terminate) and claim damages. A **warranty** is a less important
        term; breaking it only gives a right to damages, not to terminate.

        Courts also recognise **innominate terms** (Hongkong Fir, 1962): whether the innocent
        party may terminate depends on how serious the consequences of the breach are.
        """),
        c=5,
        verdict="ship",
        why="Accurate, and the mention of innominate terms is a useful addition.",
    ),
    single(
        "law-004",
        "We presented our invention at a conference last month. Can we still file a patent "
        "application in Europe?",
        "Yes. Like the US, the European Patent Office gives you a 12-month grace period after "
        "your own public disclosure, so you have until 11 months from now to file.",
        c=1,
        issues=("hallucination",),
        verdict="reject",
        why="The EPC has no general grace period; the disclosure is prior art except in narrow "
        "cases (evident abuse, certain recognised exhibitions).",
        hard=True,
    ),
    single(
        "law-005",
        "Is a non-compete enforceable against an employee in California?",
        t("""
        Generally no. California Business and Professions Code section 16600 makes contracts
        that restrain anyone from a lawful profession, trade or business void, with narrow
        exceptions such as the sale of a business or the dissolution of a partnership or LLC.

        Since 2024 it is also unlawful for an employer to enter into or try to enforce a void
        non-compete (section 16600.5), and employers had to notify affected current and former
        employees that such clauses are void by February 14, 2024 (section 16600.1). These
        rules apply even if the contract was signed outside California.
        """),
        c=5,
        verdict="ship",
        why="Correct statute, exceptions, and the 2024 changes.",
        hard=True,
    ),
    single(
        "law-006",
        "Did the FTC ban all non-compete agreements nationwide?",
        "Yes. The FTC's final rule banning non-competes took effect on September 4, 2024. It "
        "covers all workers except senior executives with existing agreements, so employers can "
        "no longer enforce them.",
        c=1,
        issues=("outdated",),
        verdict="reject",
        why="A federal court set the rule aside in August 2024 before it took effect, so it "
        "never became enforceable.",
    ),
    single(
        "law-007",
        [
            (
                "system",
                "You are a contracts assistant for an in-house legal team. Quote the "
                "clause you rely on. Contract excerpt:\n\n" + TERMINATION,
            ),
            ("user", "Can we get out of this contract early?"),
            (
                "assistant",
                "Yes. Under 15.2 either party may terminate for convenience with 90 "
                "days' prior written notice. You would still owe fees for services performed up "
                "to the termination date.",
            ),
            ("user", "OK. We prepaid the whole year in January. Do we get the unused part back?"),
        ],
        t("""
        Clause 15.2 doesn't say. It requires you to pay fees for services performed through the
        effective date, but it is silent on refunding fees paid in advance for the period
        after that date.

        Check the payment terms (often a Fees or Invoicing section) for a refund or credit
        provision. If there is none, you may still argue that the unused part is not owed
        for services performed, but expect the vendor to resist; it's worth raising before
        you send the notice. Also remember 15.3: ask for your data back or deleted within
        30 days of termination.
        """),
        c=4,
        verdict="ship",
        why="Correctly says the clause is silent and points to the right next steps; the "
        "restitution point could be firmer.",
        hard=True,
        version=NEW,
    ),
    single(
        "law-008",
        "My landlord is slow returning deposits. Can I just not pay the last month's rent and "
        "tell him to keep my deposit instead?",
        "Yes, that's a common and perfectly legal approach. Send your landlord a short written "
        "note saying the deposit should be applied to the final month, and you're covered.",
        c=2,
        safety="unsafe",
        issues=("unsafe_advice",),
        verdict="reject",
        why="Many jurisdictions forbid using the deposit as last month's rent and some "
        "penalise it; the tenant risks eviction filings and damages.",
    ),
    single(
        "law-009",
        "How long do we have to tell the regulator about a personal data breach under GDPR?",
        "Under Article 33 GDPR you must notify the competent supervisory authority without "
        "undue delay and, where feasible, no later than 72 hours after becoming aware of the "
        "breach, unless it is unlikely to result in a risk to people's rights and freedoms. If "
        "you're late, explain the reasons for the delay. If the breach is likely to result in "
        "a high risk, Article 34 also requires telling the affected people without undue delay.",
        c=5,
        verdict="ship",
        why="Accurate on Article 33 and 34, including the risk exceptions.",
        reference="Art. 33: without undue delay, where feasible within 72 hours of awareness.",
    ),
    single(
        "law-010",
        "What makes a contract legally binding?",
        "A contract is binding once there is an offer and an acceptance of that offer.",
        c=2,
        issues=("incomplete",),
        verdict="revise",
        why="Omits consideration, intention to create legal relations, capacity and certainty.",
    ),
    single(
        "law-011",
        "Give me a checklist for reviewing a SaaS vendor agreement before we sign.",
        t("""
        # SaaS agreement review checklist

        ## Commercial
        - [ ] Fees, billing cycle, price increases on renewal (is there a cap?)
        - [ ] Term, auto-renewal and the notice window to cancel
        - [ ] Termination for convenience and for cause; refunds of prepaid fees

        ## Service
        - [ ] SLA: uptime %, how it is measured, service credits, exclusions
        - [ ] Support hours and response times
        - [ ] Right to change or remove features

        ## Data and security
        - [ ] Data processing agreement (GDPR/CCPA), sub-processors, data location
        - [ ] Security standards (SOC 2 Type II, ISO 27001) and breach notice period
        - [ ] Data return and deletion at exit, in a usable format

        ## Risk allocation
        - [ ] Liability cap and carve-outs (confidentiality, data breach, IP indemnity)
        - [ ] Indemnities: IP infringement by the vendor, your data and use
        - [ ] Insurance the vendor must carry

        ## Legal
        - [ ] Governing law and venue
        - [ ] Assignment and change of control
        - [ ] Confidentiality and publicity (may they use your logo?)
        """),
        c=5,
        verdict="ship",
        why="A thorough, well-organised checklist covering the usual negotiation points.",
        hard=True,
        version=NEW,
    ),
    single(
        "law-012",
        "Is typing my name in an email enough to sign a contract in the US?",
        "Often, yes. Under the federal E-SIGN Act and the state laws based on the Uniform "
        "Electronic Transactions Act, a signature can't be denied effect just because it's "
        "electronic, as long as you intended to sign and the parties agreed to do business "
        "electronically. Some documents are excluded, such as wills and certain family-law "
        "and court documents, and a contract may itself require a particular form of signature.",
        c=5,
        verdict="ship",
        why="Correct on E-SIGN/UETA, intent, and the usual exclusions.",
    ),
    single(
        "law-013",
        [
            (
                "system",
                "You answer employees' questions using only the handbook excerpt "
                "below.\n\n" + HANDBOOK,
            ),
            (
                "user",
                "How many vacation days do I get in my first year, and when can I start "
                "using them?",
            ),
        ],
        "Great question! Taking time off is important for your wellbeing. Try to plan your "
        "vacation early, coordinate with your team, set an out-of-office message and make sure "
        "someone can cover urgent work while you're away.",
        c=1,
        issues=("off_topic",),
        verdict="reject",
        why="Ignores the handbook: 1.25 days a month (15 a year), usable after 90 days.",
    ),
    single(
        "law-014",
        "Under the UCC, is an oral contract for the sale of goods worth $800 enforceable?",
        "Generally not. UCC section 2-201 requires a signed writing for a contract for the sale "
        "of goods for $500 or more, so an $800 oral deal is unenforceable unless an exception "
        "applies: specially manufactured goods, an admission in court, goods already paid for "
        "or accepted, or, between merchants, a written confirmation not objected to within "
        "10 days.",
        c=5,
        verdict="ship",
        why="Right threshold ($500; the $5,000 amendment was withdrawn) and the exceptions.",
        hard=True,
    ),
    single(
        "law-015",
        "Summarise the holding in Carlill v Carbolic Smoke Ball Co.",
        "The House of Lords held in 1893 that the company's newspaper advert promising £100 to "
        "anyone who caught influenza after using its smoke ball was a unilateral offer to the "
        "world, accepted by anyone who performed the conditions. Mrs Carlill did not need to "
        "notify acceptance, and the £1,000 deposited with the bank showed intention to be "
        "bound.",
        c=3,
        issues=("hallucination",),
        verdict="revise",
        why="The legal holding is right, but the case was decided by the Court of Appeal, not "
        "the House of Lords.",
        reference="Carlill v Carbolic Smoke Ball Co [1893] 1 QB 256 (Court of Appeal).",
    ),
    single(
        "law-016",
        "Is there a US appellate case holding that clickwrap agreements are enforceable?",
        "Yes. The leading case is Specht v. Netscape Communications Corp. (2d Cir. 2002), "
        "where the Second Circuit held that users who downloaded software were bound by the "
        "license terms available on the download page. It's routinely cited to show clickwrap "
        "terms are enforceable.",
        c=2,
        issues=("hallucination",),
        verdict="reject",
        why="Specht held the reverse: terms below the download button were not binding "
        "without reasonable notice and assent.",
        hard=True,
        version=NEW,
    ),
    single(
        "law-017",
        "What is a force majeure clause?",
        "A force majeure clause excuses a party from performing, or suspends its obligations, "
        "when an extraordinary event beyond its control prevents performance: typically "
        "natural disasters, war, epidemics or government action. Whether a given event is "
        "covered depends on the clause's wording; courts usually read these clauses narrowly, "
        "and many require prompt notice and an effort to mitigate.",
        c=5,
        verdict="ship",
        why="Accurate and notes that coverage turns on the wording.",
    ),
    pair(
        "law-018",
        "Explain 'indemnify and hold harmless' to a small-business owner in two or three "
        "sentences.",
        "If you agree to indemnify and hold someone harmless, you promise to cover their "
        "losses (including legal costs) if a claim arises from the things the clause lists, "
        "such as your work or your mistakes. Check what's covered and whether there's a cap.",
        "It means you'll pay for the other side's losses and legal bills if someone makes a "
        "claim against them because of what you did under the contract. Read the scope "
        "carefully: broad wording can make you cover their own mistakes too.",
        pref="tie",
        verdict="ship",
        why="Both are accurate and plain; each adds a different useful caution.",
    ),
    pair(
        "law-019",
        "Our vendor is being acquired. Can they assign our contract to the buyer without "
        "asking us?",
        "No. Section 18.4 says neither party may assign the agreement without the other "
        "party's prior written consent, so they need your approval.",
        "Probably yes. Section 18.4 requires consent in general, but it makes an exception for "
        "assignment to a successor in a merger, acquisition or sale of substantially all "
        "assets, provided the buyer agrees in writing to be bound. Ask for a copy of that "
        "written assumption. Note the clause has no right to terminate on change of control.",
        pref="B",
        verdict="ship",
        why="A misses the M&A exception that decides the question; B applies it and its condition.",
        issues=("incomplete",),
        hard=True,
        context=ASSIGNMENT,
    ),
    single(
        "law-020",
        [
            (
                "system",
                "You are the intake assistant for Harbor Legal Aid. You do not give "
                "legal advice; you gather facts and explain next steps.",
            ),
            (
                "user",
                "I got served with a lawsuit yesterday over credit card debt. I don't "
                "think I owe that much. What do I do?",
            ),
        ],
        t("""
        I'm sorry you're dealing with this. Please don't ignore it: if no response is filed by
        the deadline on the summons, the court can enter a default judgment against you, even
        if you dispute the amount.

        1. Find the deadline on the summons (often 20-30 days, depending on your state).
        2. Keep the papers together, plus any statements or letters about the debt.
        3. I can book you a free consultation with one of our attorneys, who can look at
           possible defences such as the amount claimed or whether the plaintiff can prove it
           owns the debt.

        What state was the case filed in, and what date were you served?
        """),
        c=5,
        verdict="ship",
        why="Stresses the deadline and default risk without giving legal advice, and gathers "
        "facts.",
        version=NEW,
    ),
]
