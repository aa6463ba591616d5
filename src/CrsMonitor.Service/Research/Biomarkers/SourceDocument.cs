namespace CrsMonitor.Service.Research.Biomarkers;

/// <summary>The stored resource version a result came from.</summary>
public sealed record SourceDocument(string ResourceType, string Id, int VersionId);
