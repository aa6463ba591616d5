namespace CrsMonitor.Benchmarks;

/// <summary>
/// The service's integration token for a long phase (history loading from several clients, then hundreds of POSTs):
/// before each request, one caller at a time makes sure the token outlives the request (the client's 60 s timeout)
/// with a margin, and mints a new one through the service's <c>token</c> verb when it would not.
/// </summary>
public sealed class TokenKeeper(ServiceProcess service) : IDisposable
{
    private static readonly TimeSpan Ahead = TimeSpan.FromMinutes(2);
    private readonly SemaphoreSlim gate = new(1, 1);

    public async Task<string> TokenAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await service.EnsureTokenFor(Ahead, ct).ConfigureAwait(false);
            return service.Token;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();
}
