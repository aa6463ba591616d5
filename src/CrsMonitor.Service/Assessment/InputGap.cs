namespace CrsMonitor.Service.Assessment;

/// <summary>
/// One stale or missing input of a current grade, for the census and the patient page (grading-rules.md section 7:
/// missing inputs are shown there, never pushed as alerts): the input's name (<c>temperature</c>, <c>neuroCheck</c>,
/// ...), whether none was ever recorded, when the last (now stale) one was taken, and the grade's own text for it.
/// The dashboard words it: "no temperature for 5 h", "no neuro check yet".
/// </summary>
public sealed record InputGap(string Input, bool Missing, DateTimeOffset? LastAt, string Text)
{
    /// <summary>
    /// The gaps of a grade from its stale-or-missing texts (each <c>name: ...</c>) and its basis (a stale input is in
    /// the basis with its time). "name: none recorded" is missing; a stale basis input of that name gives the time.
    /// </summary>
    public static IReadOnlyList<InputGap> From(IReadOnlyList<BasisResponse> basis, IReadOnlyList<string> staleOrMissing)
    {
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentNullException.ThrowIfNull(staleOrMissing);
        var gaps = new List<InputGap>(staleOrMissing.Count);
        foreach (var text in staleOrMissing)
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            var input = colon > 0 ? text[..colon] : text;
            var rest = colon > 0 ? text[(colon + 1)..].Trim() : string.Empty;
            var stale = basis.Where(b => b.Stale && b.Name == input).MaxBy(b => b.At);
            var missing = stale is null && (rest == "none recorded" || (rest.StartsWith("no ", StringComparison.Ordinal) && rest.EndsWith(" recorded", StringComparison.Ordinal)));
            gaps.Add(new InputGap(input, missing, stale?.At, text));
        }

        return gaps;
    }
}
