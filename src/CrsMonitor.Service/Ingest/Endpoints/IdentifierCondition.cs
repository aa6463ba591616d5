namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>
/// An identifier search condition, <c>identifier=system|value</c>: the only condition accepted by conditional create
/// (<c>If-None-Exist</c>, <c>request.ifNoneExist</c>) and conditional update (<c>PUT [type]?identifier=</c>).
/// </summary>
public sealed record IdentifierCondition(string System, string Value)
{
    /// <summary>
    /// Parses the condition as sent in <paramref name="where"/> (named in the message); throws <see cref="FormatException"/>
    /// with a message for the OperationOutcome.
    /// </summary>
    public static IdentifierCondition Parse(string condition, string where)
    {
        ArgumentNullException.ThrowIfNull(condition);
        const string Prefix = "identifier=";
        if (!condition.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new FormatException($"{where} supports only identifier=system|value");
        }

        var token = Uri.UnescapeDataString(condition[Prefix.Length..]);
        if (token.Contains('&', StringComparison.Ordinal))
        {
            throw new FormatException($"{where} supports one identifier parameter only");
        }

        if (StorableText.ProblemOf(token) is { } problem)
        {
            throw new FormatException($"{where} identifier {problem}");
        }

        var bar = token.IndexOf('|', StringComparison.Ordinal);
        var (system, value) = bar < 0 ? (string.Empty, token) : (token[..bar], token[(bar + 1)..]);
        if (value.Length == 0)
        {
            throw new FormatException($"{where} identifier has no value (expected identifier=system|value)");
        }

        return new IdentifierCondition(system, value);
    }

    public override string ToString() => $"identifier={System}|{Value}";
}
