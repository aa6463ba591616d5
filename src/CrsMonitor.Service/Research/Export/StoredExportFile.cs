namespace CrsMonitor.Service.Research.Export;

/// <summary>A stored file of an export without its text: what the manifest lists.</summary>
public sealed record StoredExportFile(string Name, string ResourceType, int LineCount);
