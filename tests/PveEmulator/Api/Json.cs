using System.Text.Json;
using PveEmulator.Model;

namespace PveEmulator.Api;

/// <summary>Writers for shapes several endpoints share. Config values are JSON numbers (0/1 for booleans).</summary>
internal static class Json
{
    public static void Bool(Utf8JsonWriter w, string name, bool value) => w.WriteNumber(name, value ? 1 : 0);

    public static void StringIfSet(Utf8JsonWriter w, string name, string value)
    {
        if (value.Length > 0)
        {
            w.WriteString(name, value);
        }
    }

    /// <summary>`{privsep, expire, comment?}` of a token as user.cfg holds it.</summary>
    public static void TokenFields(Utf8JsonWriter w, Token token)
    {
        Bool(w, "privsep", token.Privsep);
        w.WriteNumber("expire", token.Expire);
        StringIfSet(w, "comment", token.Comment);
    }

    /// <summary>
    /// `extract_user_data` of a user.cfg entry. The user line is
    /// `user:id:enable:expire:firstname:lastname:email:comment:keys:` and Perl's split drops
    /// trailing empty fields: that is why `email` is "" (not absent) once a comment or keys follow.
    /// </summary>
    public static void UserFields(Utf8JsonWriter w, User user)
    {
        Bool(w, "enable", user.Enable);
        w.WriteNumber("expire", user.Expire);
        StringIfSet(w, "firstname", user.FirstName);
        StringIfSet(w, "lastname", user.LastName);
        if (user.Email.Length > 0 || user.Comment.Length > 0 || user.Keys.Length > 0)
        {
            w.WriteString("email", user.Email);
        }
        StringIfSet(w, "comment", user.Comment);
        StringIfSet(w, "keys", user.Keys);
    }
}
