using System.Collections;
using System.Data.Common;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>A conditional reference of a Bundle entry as sent (<c>Patient?identifier=system|value</c>) and where it sits.</summary>
internal sealed record ConditionalReference(ResourceReference Reference, string Path, string Type, IdentifierCondition Condition, string Literal);

/// <summary>
/// Conditional references (FHIR R4 3.1.0.11.2): in a transaction or batch entry, <c>Type?identifier=system|value</c>
/// names the resource holding that identifier: the stored one, else (transaction) the entry of the Bundle that creates
/// it. A reference to a type this service keeps that finds nothing is refused (422 naming the element); one to a type
/// it does not keep (Practitioner, Organization, ...) cannot be resolved and is left as sent, with a warning.
/// </summary>
internal static class ConditionalReferences
{
    /// <summary>The conditional references of <paramref name="resource"/> (sent at <paramref name="at"/>), found before any is resolved.</summary>
    public static IReadOnlyList<ConditionalReference> Of(Resource resource, string at)
    {
        var found = new List<ConditionalReference>();
        Collect(resource, at, found);
        return found;
    }

    /// <summary>The warning of a reference to a type not kept here (it stays as sent).</summary>
    public static OperationOutcome.IssueComponent NotKept(ConditionalReference r) => FhirOutcomes.Warning(OperationOutcome.IssueType.NotSupported, r.Path,
        $"{r.Path} '{StorableText.Printable(r.Literal)}' searches for a {r.Type}, a type this service does not keep: left as sent, not resolved");

    /// <summary>
    /// Sets every conditional reference of the entries to <c>Type/id</c> (lookups on <paramref name="c"/>); returns the id
    /// each targeted entry of the Bundle must end up with. Throws <see cref="WriteRefusedException"/> (422) for one that finds nothing.
    /// </summary>
    public static async Task<Dictionary<int, string>> ResolveAsync(DbConnection c, DbTransaction? tx, IReadOnlyList<TransactionEntry> entries, CancellationToken ct)
    {
        var targets = new Dictionary<int, string>();
        // Each identifier is looked up once: a monitor's round names its patient from every Observation.
        var stored = new Dictionary<(string Type, string System, string Value), string?>();
        foreach (var entry in entries)
        {
            foreach (var r in entry.ConditionalReferences.Where(r => FhirEndpoints.SupportedTypes.Contains(r.Type)))
            {
                var (system, value) = (r.Condition.System, r.Condition.Value);
                if (!stored.TryGetValue((r.Type, system, value), out var id))
                {
                    stored[(r.Type, system, value)] = id = await FhirResourceStore.FindByIdentifierAsync(c, tx, r.Type, system, value, ct).ConfigureAwait(false);
                }

                if (id is null && entries.FirstOrDefault(e => e.Type == r.Type && e.Request.Kind == WriteKind.Create && e.Request.Id is not null
                    && AcceptedResource.IdentifiersOf(e.Interpretation.Resource).Contains((system, value))) is { } creating)
                {
                    id = creating.Request.Id!;
                    targets[creating.Index] = id;
                }

                r.Reference.Reference = id is not null ? $"{r.Type}/{id}" : throw new WriteRefusedException(new FhirError(StatusCodes.Status422UnprocessableEntity,
                    FhirOutcomes.Error(OperationOutcome.IssueType.NotFound, r.Path,
                        $"{r.Path} '{StorableText.Printable(r.Literal)}' finds no {r.Type}: send the {r.Type} first, or in the same transaction")), null);
            }
        }

        return targets;
    }

    private static void Collect(Base node, string path, List<ConditionalReference> found)
    {
        foreach (var (name, value) in node.EnumerateElements())
        {
            switch (value)
            {
                case Base child:
                    Visit(child, $"{path}.{name}", found);
                    break;
                case IEnumerable many and not string:
                    var i = 0;
                    foreach (var child in many.OfType<Base>())
                    {
                        Visit(child, $"{path}.{name}[{i++}]", found);
                    }

                    break;
                default:
                    break;
            }
        }
    }

    private static void Visit(Base node, string path, List<ConditionalReference> found)
    {
        if (node is ResourceReference { Reference: { } literal } reference && References.Conditional(literal) is { Success: true } match)
        {
            try
            {
                var condition = IdentifierCondition.Parse(match.Groups["search"].Value, $"{path}.reference");
                found.Add(new ConditionalReference(reference, $"{path}.reference", match.Groups["type"].Value, condition, literal));
            }
            catch (FormatException)
            {
                // Not an identifier search this service resolves: the rules refuse it where it matters (a subject), else left as sent.
            }
        }

        Collect(node, path, found);
    }
}
