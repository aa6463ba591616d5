namespace CrsMonitor.Service.Identity;

/// <summary>
/// Who a write is by and where it came from, for its audit rows: an HTTP request (the token's subject, the client's
/// address, the request's correlation id) or an MLLP message (the sender, the connection's address, the message's id).
/// </summary>
public sealed record WriteOrigin(CurrentUser User, AuditTrail Trail, string? Address, string CorrelationId)
{
    public static WriteOrigin Of(HttpContext context, CurrentUser user)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new WriteOrigin(user, context.RequestServices.GetRequiredService<AuditTrail>(), context.Connection.RemoteIpAddress?.ToString(), context.TraceIdentifier);
    }
}
