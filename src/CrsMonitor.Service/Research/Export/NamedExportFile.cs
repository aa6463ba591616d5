namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// An NDJSON file as stored and served: its name in the export (<c>{type}-{n}.ndjson</c>), its resource type, how many
/// resources (lines) it holds, and its text (each line followed by a line feed).
/// </summary>
public sealed record NamedExportFile(string Name, string ResourceType, int LineCount, string Content);
