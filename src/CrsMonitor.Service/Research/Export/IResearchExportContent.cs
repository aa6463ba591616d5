namespace CrsMonitor.Service.Research.Export;

/// What an export asks for: the resource types (a subset of ResourceTypes), the instant the data is read as of.
public sealed record ExportScope(IReadOnlySet<string> Types, DateTimeOffset TransactionTime);

/// One NDJSON file: its resource type and its lines (each one resource's JSON, no line breaks inside).
public sealed record ExportFile(string ResourceType, IReadOnlyList<string> Lines);

public interface IResearchExportContent
{
    /// The types an export may ask for (e.g. AdverseEvent, Observation, MedicationAdministration), in order.
    IReadOnlyList<string> ResourceTypes { get; }

    Task<IReadOnlyList<ExportFile>> BuildAsync(ExportScope scope, CancellationToken ct);
}
