using CrsMonitor.Service.Readings;
using CrsMonitor.Service.Storage;
using Hl7.Fhir.Model;

namespace CrsMonitor.Service.Ingest;

/// <summary>
/// A resource as ingest accepted it, made once before the write's transaction: what the rules found (warnings, the
/// readings it yields), its patient, identifiers, content hash and stored JSON. Inside the transaction nothing is
/// parsed, interpreted, hashed or serialised again: the store stamps <see cref="Json"/>, the readings are attributed
/// to the stored version, the answer is the stored JSON.
/// </summary>
public sealed class AcceptedResource
{
    private readonly IReadOnlyList<ReadingDraft> drafts;

    internal AcceptedResource(Resource resource, IReadOnlyList<OperationOutcome.IssueComponent> warnings, IReadOnlyList<ReadingDraft> drafts)
    {
        Resource = resource;
        Warnings = warnings;
        this.drafts = drafts;
        PatientId = Normaliser.PatientIdOf(resource);
        Identifiers = IdentifiersOf(resource);
        Json = StoredJson.Of(resource);
    }

    /// <summary>The parsed resource (references resolved), for the projections (Patient, Encounter) and authorization.</summary>
    public Resource Resource { get; }

    public string ResourceType => Resource.TypeName;

    /// <summary>The patient it is about: its subject <c>Patient/{id}</c>, or a Patient's own id (null when absent).</summary>
    public string? PatientId { get; }

    /// <summary>Its identifiers with a value (system empty when not given), distinct: the resend guard.</summary>
    public IReadOnlyList<(string System, string Value)> Identifiers { get; }

    /// <summary>The rules' warnings, returned with the success.</summary>
    public IReadOnlyList<OperationOutcome.IssueComponent> Warnings { get; }

    /// <summary>The JSON to store, serialised once, and its content hash.</summary>
    public StoredJson Json { get; }

    public string ContentHash => Json.ContentHash;

    /// <summary>How many readings it yields.</summary>
    public int ReadingCount => PatientId is null ? 0 : drafts.Count;

    /// <summary>What the store keeps under <paramref name="id"/> (no serialisation: the body is stamped from <see cref="Json"/>).</summary>
    public ResourceToStore ToStore(string id) =>
        new(ResourceType, id, PatientId, Json.ContentHash, Identifiers, (version, lastUpdated) => Json.Stamp(id, version, lastUpdated));

    /// <summary>The readings, attributed to the stored version <paramref name="source"/> and numbered in order.</summary>
    public IReadOnlyList<Reading> ReadingsOf(ReadingSource source) => Normaliser.Attribute(drafts, PatientId, source);

    public static IReadOnlyList<(string System, string Value)> IdentifiersOf(Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        IEnumerable<Identifier> ids = resource switch
        {
            Observation o => o.Identifier,
            MedicationAdministration m => m.Identifier,
            MedicationStatement m => m.Identifier,
            QuestionnaireResponse q => q.Identifier is null ? [] : [q.Identifier],
            Patient p => p.Identifier,
            Encounter e => e.Identifier,
            Location l => l.Identifier,
            _ => [],
        };
        return [.. ids.Where(i => !string.IsNullOrEmpty(i.Value)).Select(i => (i.System ?? string.Empty, i.Value!)).Distinct()];
    }
}
