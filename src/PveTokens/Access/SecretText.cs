// Copyright (c) PveTokens contributors. MIT License.
// See LICENSE in the project root for license information.

using System;
using System.Runtime.InteropServices;
using System.Security;

namespace PveTokens.Access;

/// <summary>SecureString conversions, used only at the moment a header or form is built.</summary>
internal static class SecretText
{
    internal static SecureString ToSecureString(string plain)
    {
        var secure = new SecureString();
        foreach (char c in plain)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    internal static string ToPlainText(SecureString secure)
    {
        IntPtr ptr = IntPtr.Zero;
        try
        {
            ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
            return Marshal.PtrToStringUni(ptr) ?? string.Empty;
        }
        finally
        {
            if (ptr != IntPtr.Zero)
            {
                Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }
    }
}
