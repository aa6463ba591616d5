namespace CrsMonitor.Service.Storage;

/// <summary>
/// A resource to keep. <paramref name="Body"/>(versionId, lastUpdated) returns the JSON to store, with
/// <c>meta.versionId</c> and <c>meta.lastUpdated</c> stamped by the caller. <paramref name="ContentHash"/> is the hash of
/// the canonical content without id and meta (the resend guard of readings without an identifier).
/// </summary>
public sealed record ResourceToStore(
    string ResourceType,
    string Id,
    string? PatientId,
    string ContentHash,
    IReadOnlyList<(string System, string Value)> Identifiers,
    Func<int, DateTimeOffset, string> Body);

/// <summary>What a save did.</summary>
public enum SaveKind
{
    /// <summary>A new resource, version 1.</summary>
    Created,

    /// <summary>A new version of an existing resource (PUT with different content).</summary>
    Updated,

    /// <summary>PUT with the content of the current version: nothing written.</summary>
    Unchanged,

    /// <summary>A resend: the identifier (or, without one, the content) already belongs to a stored resource; nothing written.</summary>
    Existing,
}

/// <summary>
/// The outcome of a save: the resource as stored now (for Existing and Unchanged, the stored current version).
/// <paramref name="PriorPatientId"/> is the patient the stored resource belonged to before this save (the holder's for
/// Existing, the replaced version's for Updated and Unchanged, null for Created): what authorization checks.
/// </summary>
public sealed record SaveResult(SaveKind Kind, string Id, int VersionId, DateTimeOffset LastUpdated, string Body, string? PriorPatientId = null);

/// <summary>
/// A stored resource version (its body is the JSON as stored, meta stamped). <paramref name="ContentHash"/>: of the
/// current version's content without id and meta (what a resend is recognised by).
/// </summary>
public sealed record StoredResource(string ResourceType, string Id, int VersionId, DateTimeOffset LastUpdated, string? PatientId, string Body, string ContentHash = "");
