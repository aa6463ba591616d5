using System.Text.RegularExpressions;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// Reference shapes the ingester accepts: a relative literal reference <c>Type/id</c> (FHIR id syntax), or inside a
/// Bundle a <c>urn:uuid:</c> naming another entry or a conditional reference <c>Type?identifier=system|value</c> (the
/// Bundle resolves both: <see cref="Endpoints.ConditionalReferences"/>). Absolute URLs, contained (<c>#</c>)
/// references and identifier- or display-only references cannot be placed on a patient and are refused.
/// </summary>
internal static partial class References
{
    /// <summary>The patient id of a <c>Patient/{id}</c> reference; null for anything else.</summary>
    public static string? IdOf(ResourceReference? reference, string type)
    {
        if (reference?.Reference is not { } literal)
        {
            return null;
        }

        var match = LiteralPattern().Match(literal);
        return match.Success && match.Groups["type"].Value == type ? match.Groups["id"].Value : null;
    }

    /// <summary>Checks a required (or, when present, an optional) reference to a resource of <paramref name="type"/>.</summary>
    public static void Check(ResourceReference? reference, string type, string relative, Findings f, string what, bool required = true)
    {
        if (reference is null)
        {
            if (required)
            {
                f.Error(relative, $"is required: {what}, as {{\"reference\": \"{type}/<id>\"}}", OperationOutcome.IssueType.Required);
            }

            return;
        }

        if (reference.Type is { } declared && declared != type)
        {
            f.Error($"{relative}.type", $"is '{declared}' but must be {type}");
        }

        if (string.IsNullOrEmpty(reference.Reference))
        {
            f.Error($"{relative}.reference", $"is required: refer to the {type} by id ({type}/<id>); an identifier or display alone cannot be placed",
                OperationOutcome.IssueType.Required);
            return;
        }

        var literal = reference.Reference;
        var match = LiteralPattern().Match(literal);
        if (match.Success)
        {
            if (match.Groups["type"].Value != type)
            {
                f.Error($"{relative}.reference", $"refers to a {match.Groups["type"].Value}, but must refer to a {type} ({type}/<id>)");
            }

            return;
        }

        if (ConditionalPattern().Match(literal) is { Success: true } conditional)
        {
            if (conditional.Groups["type"].Value != type)
            {
                f.Error($"{relative}.reference", $"searches for a {conditional.Groups["type"].Value}, but must refer to a {type}");
            }
            else if (!f.InBundle)
            {
                f.Error($"{relative}.reference", $"'{literal}' is a conditional reference, resolved only in a transaction or batch Bundle: use {type}/<id>");
            }
            else
            {
                try
                {
                    _ = Endpoints.IdentifierCondition.Parse(conditional.Groups["search"].Value, "a conditional reference");
                }
                catch (FormatException e)
                {
                    f.Error($"{relative}.reference", e.Message);
                }
            }

            return;
        }

        if (UuidPattern().IsMatch(literal))
        {
            if (!f.InBundle)
            {
                f.Error($"{relative}.reference", $"'{literal}' names a Bundle entry, but this resource was not sent in a Bundle: use {type}/<id>");
            }

            return;
        }

        var shown = literal.Length <= 80 ? literal : literal[..80] + "...";
        f.Error($"{relative}.reference", $"'{shown}' is not a {type} reference this server can resolve: use the relative form {type}/<id> (id: 1-64 of A-Z a-z 0-9 - .)");
    }

    [GeneratedRegex(@"^(?<type>[A-Z][A-Za-z]{1,63})/(?<id>[A-Za-z0-9\-\.]{1,64})$", RegexOptions.CultureInvariant)]
    private static partial Regex LiteralPattern();

    /// <summary>A conditional reference, <c>Type?identifier=system|value</c> (FHIR R4 3.1.0.11.2: resolved by the transaction).</summary>
    public static Match Conditional(string literal) => ConditionalPattern().Match(literal);

    [GeneratedRegex(@"^(?<type>[A-Z][A-Za-z]{1,63})\?(?<search>identifier=.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex ConditionalPattern();

    [GeneratedRegex(@"^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex UuidPattern();
}
