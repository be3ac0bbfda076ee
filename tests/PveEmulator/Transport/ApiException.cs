namespace PveEmulator.Transport;

/// <summary>
/// An API error. <see cref="Raised"/> separates PVE::Exception objects (raise_param_exc,
/// raise_perm_exc, which keep their status when re-thrown) from plain Perl `die "text\n"`
/// errors, which the HTTP layer turns into 500.
/// </summary>
internal sealed class ApiException : Exception
{
    private ApiException(int status, string message, IReadOnlyDictionary<string, string>? errors, bool raised)
        : base(message)
    {
        Status = status;
        Errors = errors;
        Raised = raised;
    }

    public int Status { get; }
    public IReadOnlyDictionary<string, string>? Errors { get; }
    public bool Raised { get; }

    /// <summary>`raise_param_exc`: 400 with an `errors` map.</summary>
    public static ApiException Param(IReadOnlyDictionary<string, string> errors) =>
        new(400, "Parameter verification failed.\n", errors, raised: true);

    public static ApiException Param(string name, string error) => Param(new Dictionary<string, string> { [name] = error });

    /// <summary>`raise_perm_exc`: 403 "Permission check failed (what)".</summary>
    public static ApiException Permission(string? what = null) =>
        new(403, what is null ? "Permission check failed\n" : $"Permission check failed ({what})\n", null, raised: true);

    /// <summary>POST /access/ticket's only failure: no detail, to prevent user enumeration.</summary>
    public static ApiException LoginFailed() => new(401, "authentication failure\n", null, raised: true);

    /// <summary>A handler's `die "text\n"`: 500 with the text.</summary>
    public static ApiException Die(string text) => new(500, text.EndsWith('\n') ? text : text + "\n", null, raised: false);

    /// <summary>rest_handler's 501 for a path/method without handler (its message has no newline).</summary>
    public static ApiException NotImplemented(string method, string relativeUri) =>
        new(501, $"Method '{method} {relativeUri}' not implemented", null, raised: true);

    /// <summary>
    /// AccessControl.pm `lock_user_config`: errors inside the lock are re-thrown as
    /// "&lt;errmsg&gt;: &lt;stringified error&gt;", which makes even a 400 a 500.
    /// </summary>
    public static T InLock<T>(string errmsg, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (ApiException e)
        {
            throw Die($"{errmsg}: {e.Stringify()}");
        }
    }

    public static void InLock(string errmsg, Action action) => InLock(errmsg, () => { action(); return 0; });

    /// <summary>Exception.pm `stringify`.</summary>
    private string Stringify()
    {
        string msg = Raised ? $"{Status} {Message}" : Message;
        if (!msg.EndsWith('\n'))
        {
            msg += "\n";
        }
        foreach ((string k, string v) in Errors ?? new Dictionary<string, string>())
        {
            msg += $"{k}: {v}\n";
        }
        return msg;
    }
}
