namespace CrsMonitor.Service.Research.Export;

/// <summary>The content of an export broke the NDJSON contract (a type not asked for, a line that is not one resource of its file's type).</summary>
public sealed class ExportContentException : Exception
{
    public ExportContentException()
    {
    }

    public ExportContentException(string message)
        : base(message)
    {
    }

    public ExportContentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
