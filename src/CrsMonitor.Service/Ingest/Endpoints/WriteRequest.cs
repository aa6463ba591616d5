namespace CrsMonitor.Service.Ingest.Endpoints;

/// <summary>Which FHIR interaction writes the resource.</summary>
public enum WriteKind
{
    /// <summary><c>POST [type]</c>: a new resource, or a new version of the one already holding its identifier (a correction).</summary>
    Create,

    /// <summary><c>PUT [type]/[id]</c>: update, or create with that id.</summary>
    Update,

    /// <summary><c>PUT [type]?identifier=</c>: update the resource holding the identifier, or create one.</summary>
    ConditionalUpdate,
}

/// <summary>
/// How a resource is being written, parsed at the edge (HTTP headers and URL, or a Bundle entry's <c>request</c>).
/// <paramref name="Id"/> is the URL's id of an update, or the id a transaction gave a <c>urn:uuid:</c>-named create.
/// <paramref name="At"/> is where the request's conditions were sent, for the OperationOutcome
/// (<c>If-Match</c>, or <c>Bundle.entry[3].request</c>).
/// </summary>
public sealed record WriteRequest(WriteKind Kind, string? Id, string At = "")
{
    /// <summary>Conditional create: nothing is written when a resource already holds this identifier.</summary>
    public IdentifierCondition? IfNoneExist { get; init; }

    /// <summary>Conditional update: the identifier that names the resource to update.</summary>
    public IdentifierCondition? Condition { get; init; }

    /// <summary><c>If-Match</c>: the version the client last read; a write over any other version is refused (412).</summary>
    public int? IfMatch { get; init; }

    public bool IsUpdate => Kind != WriteKind.Create;

    public static WriteRequest Create(string? preassignedId = null, string at = "") => new(WriteKind.Create, preassignedId, at);
}
