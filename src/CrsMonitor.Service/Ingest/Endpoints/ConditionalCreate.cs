namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary><c>If-None-Exist: identifier=system|value</c> (FHIR R4 conditional create, identifier only).</summary>
public static class ConditionalCreate
{
    /// <summary>Parses the condition; throws <see cref="FormatException"/> with a message for the OperationOutcome.</summary>
    public static (string System, string Value) ParseIdentifier(string condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        const string Prefix = "identifier=";
        if (!condition.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new FormatException("If-None-Exist supports only identifier=system|value");
        }

        var token = Uri.UnescapeDataString(condition[Prefix.Length..]);
        if (token.Contains('&', StringComparison.Ordinal))
        {
            throw new FormatException("If-None-Exist supports one identifier parameter only");
        }

        if (StorableText.ProblemOf(token) is { } problem)
        {
            throw new FormatException($"If-None-Exist identifier {problem}");
        }

        var bar = token.IndexOf('|', StringComparison.Ordinal);
        var (system, value) = bar < 0 ? (string.Empty, token) : (token[..bar], token[(bar + 1)..]);
        if (value.Length == 0)
        {
            throw new FormatException("If-None-Exist identifier has no value (expected identifier=system|value)");
        }

        return (system, value);
    }
}
