"""onewindow supervision (督办 · 评效果): follows every task and case, warns before a deadline,
escalates after it, watches sign-for deadlines, plans 回访 calls, and keeps the monthly
indicators the rankings are made of."""
