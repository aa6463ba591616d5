using System.Collections;
using System.Data.Common;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>One transaction entry as planned: its request (a POST named by a <c>urn:uuid:</c> gets its id now) and what the rules made of it.</summary>
internal sealed record TransactionEntry(int Index, string Type, Interpretation Interpretation, WriteRequest Request, string? FullUrl)
{
    private List<(ResourceReference, string)>? entryReferences;

    /// <summary>
    /// The entry's references naming a Bundle entry (<c>urn:uuid:</c>), on the object model, with the urn each named as
    /// sent (found on first use, before any is resolved).
    /// </summary>
    public IReadOnlyList<(ResourceReference Reference, string Urn)> EntryReferences => entryReferences ??= UrnReferencesOf(Interpretation.Resource);

    /// <summary>The entry's conditional references (<c>Type?identifier=</c>), found when planned, before any is resolved.</summary>
    public IReadOnlyList<ConditionalReference> ConditionalReferences { get; } =
        Endpoints.ConditionalReferences.Of(Interpretation.Resource, $"Bundle.entry[{Index}].resource");

    /// <summary>Whether a conditional reference of the entry needs a lookup (its type is kept here).</summary>
    public bool HasConditionalReferences => ConditionalReferences.Any(r => FhirEndpoints.SupportedTypes.Contains(r.Type));

    /// <summary>A POST whose fullUrl is a <c>urn:uuid:</c>: it was given its id when planned, and other entries may name it.</summary>
    public bool IsNamedCreate => FullUrl is not null && Request is { IsUpdate: false, Id: not null };

    private static List<(ResourceReference, string)> UrnReferencesOf(Resource resource)
    {
        var found = new List<(ResourceReference, string)>();
        Collect(resource, found);
        return found;
    }

    private static void Collect(Base node, List<(ResourceReference, string)> found)
    {
        foreach (var (_, value) in node.EnumerateElements())
        {
            switch (value)
            {
                case Base child:
                    Visit(child, found);
                    break;
                case IEnumerable many and not string:
                    foreach (var child in many.OfType<Base>())
                    {
                        Visit(child, found);
                    }

                    break;
                default:
                    break;
            }
        }
    }

    private static void Visit(Base node, List<(ResourceReference, string)> found)
    {
        if (node is ResourceReference { Reference: { } literal } reference && literal.StartsWith("urn:uuid:", StringComparison.OrdinalIgnoreCase))
        {
            found.Add((reference, literal));
        }

        Collect(node, found);
    }
}

/// <summary>
/// The <c>urn:uuid:</c> references of a transaction, resolved on the object model (<see cref="ResourceReference.Reference"/>)
/// before anything is serialised: each entry named by a reference gets the id it will have (the stored resource's id
/// when the entry is a resend of it: the same conditional-create, identifier or content lookups the write makes),
/// every reference to it is set to <c>Type/id</c>, then every entry is accepted (hashed and serialised) once. Runs
/// before the transaction; the targets it returns say which id each named entry must end up with, and the
/// transaction checks it (a resource stored meanwhile by someone else makes it start again).
/// </summary>
internal static class TransactionReferences
{
    /// <summary>
    /// Resolves and accepts every entry before the transaction (lookups on a connection of their own); returns the
    /// accepted forms (by entry index) and the expected id of each named entry.
    /// </summary>
    public static async Task<(Dictionary<int, AcceptedResource> Accepted, Dictionary<int, string> Targets)> ResolveAsync(
        Database database, IReadOnlyList<TransactionEntry> entries, CancellationToken ct)
    {
        if (!NamedEntries(entries).Any() && !entries.Any(e => e.HasConditionalReferences))
        {
            return await ResolveAsync(null, null, entries, ct).ConfigureAwait(false);
        }

        await using var c = await database.OpenAsync(ct).ConfigureAwait(false);
        return await ResolveAsync(c, null, entries, ct).ConfigureAwait(false);
    }

    /// <summary>The same, with the lookups on <paramref name="c"/> in <paramref name="tx"/> (inside the transaction: the last resort when targets kept moving).</summary>
    public static async Task<(Dictionary<int, AcceptedResource> Accepted, Dictionary<int, string> Targets)> ResolveAsync(
        DbConnection? c, DbTransaction? tx, IReadOnlyList<TransactionEntry> entries, CancellationToken ct)
    {
        // Conditional references first: an entry they name must be created with the id they were resolved to.
        var conditionalTargets = entries.Any(e => e.HasConditionalReferences)
            ? await ConditionalReferences.ResolveAsync(c!, tx, entries, ct).ConfigureAwait(false)
            : [];
        var named = NamedEntries(entries).ToList();
        var map = named.ToDictionary(e => e.FullUrl!, e => $"{e.Type}/{e.Request.Id}", StringComparer.OrdinalIgnoreCase);
        if (named.Count > 0)
        {
            ArgumentNullException.ThrowIfNull(c);
            // An entry's content (its hash, the resend guard of readings without identifier) may name another entry:
            // look up again until no target moves (a chain of n named entries settles in at most n + 1 rounds).
            for (var round = 0; round <= named.Count; round++)
            {
                var moved = false;
                foreach (var entry in named)
                {
                    Resolve(entry, map);
                    var target = $"{entry.Type}/{await HolderAsync(c, tx, entry, ct).ConfigureAwait(false) ?? entry.Request.Id}";
                    moved |= map[entry.FullUrl!] != target;
                    map[entry.FullUrl!] = target;
                }

                if (!moved)
                {
                    break;
                }
            }
        }

        var accepted = new Dictionary<int, AcceptedResource>(entries.Count);
        foreach (var entry in entries)
        {
            if (map.Count > 0)
            {
                Resolve(entry, map);
            }

            accepted[entry.Index] = entry.Interpretation.Accept();
        }

        var targets = named.ToDictionary(e => e.Index, e => map[e.FullUrl!][(e.Type.Length + 1)..]);
        foreach (var (index, id) in conditionalTargets)
        {
            targets.TryAdd(index, id);
        }

        return (accepted, targets);
    }

    /// <summary>The POST entries named by a urn:uuid fullUrl that some entry refers to.</summary>
    private static IEnumerable<TransactionEntry> NamedEntries(IReadOnlyList<TransactionEntry> entries)
    {
        if (!entries.Any(e => e.IsNamedCreate))
        {
            return [];
        }

        var referenced = entries.SelectMany(e => e.EntryReferences).Select(r => r.Urn).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return entries.Where(e => e.IsNamedCreate && referenced.Contains(e.FullUrl!));
    }

    /// <summary>Sets each urn:uuid reference of the entry to its target (a urn naming no POST entry of the Bundle is left as sent).</summary>
    private static void Resolve(TransactionEntry entry, Dictionary<string, string> map)
    {
        foreach (var (reference, urn) in entry.EntryReferences)
        {
            reference.Reference = map.TryGetValue(urn, out var target) ? target : urn;
        }
    }

    /// <summary>The stored resource the entry's write would find (conditional create first, then identifiers or content), or null.</summary>
    private static async Task<string?> HolderAsync(DbConnection c, DbTransaction? tx, TransactionEntry entry, CancellationToken ct)
    {
        if (entry.Request.IfNoneExist is { } condition)
        {
            if (await FhirResourceStore.FindByIdentifierAsync(c, tx, entry.Type, condition.System, condition.Value, ct).ConfigureAwait(false) is { } id)
            {
                return id;
            }
        }

        var resource = entry.Interpretation.Resource;
        var identifiers = AcceptedResource.IdentifiersOf(resource);
        var hash = FhirResourceStore.GuardsContent(entry.Type, identifiers) ? StoredJson.Of(resource).ContentHash : null;
        return await FhirResourceStore.FindHolderAsync(c, tx, entry.Type, identifiers, hash, ct).ConfigureAwait(false);
    }
}
