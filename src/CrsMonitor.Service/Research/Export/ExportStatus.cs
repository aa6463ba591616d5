namespace CrsMonitor.Service.Research.Export;

/// <summary>
/// Where an export is (column <c>research_export.status</c>, one word each): queued at kick-off, running once a node's
/// worker claimed it, then completed (files stored) or failed (error kept); cancelled once its researcher deleted it.
/// </summary>
public enum ExportStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}
