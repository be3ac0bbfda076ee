using System.Security;

namespace PveTokens.Tests.Infrastructure;

public static class TestSecrets
{
    /// <summary>A read-only SecureString holding <paramref name="plain"/>.</summary>
    public static SecureString Secure(string plain)
    {
        var secure = new SecureString();
        foreach (char c in plain)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }
}
