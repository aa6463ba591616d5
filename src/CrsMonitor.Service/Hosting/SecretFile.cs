namespace CrsMonitor.Service.Hosting;

/// <summary>
/// Key files the service makes for itself (the development signing key, the research pseudonym key): owner-only (0600
/// on Unix), written whole under a temporary name and moved into place without overwriting, so processes racing to
/// create one all end up reading the one that won.
/// </summary>
internal static class SecretFile
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// Writes a new <paramref name="path"/> with <paramref name="write"/>; false when it exists already or another
    /// process created it meanwhile (read theirs). Other I/O errors are thrown for the caller to name its file.
    /// </summary>
    public static bool TryCreate(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        if (File.Exists(path))
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temp, CreateOptions()))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>A key file readable by others (copied by hand, say) is put back to owner-only.</summary>
    public static void TightenPermissions(string path)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & ~OwnerOnly) != 0)
        {
            File.SetUnixFileMode(path, OwnerOnly);
        }
    }

    private static FileStreamOptions CreateOptions()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        return options;
    }
}
