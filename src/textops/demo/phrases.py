"""The phrase bank the demo generator composes customer messages from."""

from __future__ import annotations

PRODUCTS = [
    "headphones", "coffee machine", "laptop stand", "running shoes", "smart watch", "blender",
    "phone case", "desk lamp", "backpack", "air purifier", "electric kettle", "yoga mat",
    "wireless charger", "bluetooth speaker", "winter jacket", "office chair", "vacuum cleaner",
    "camera lens", "water bottle", "keyboard",
]

TOPICS: dict[str, list[str]] = {
    "billing": [
        "I was charged twice for my {product} order",
        "the invoice for my {product} shows the wrong amount",
        "my card was billed {amount} dollars but the price was lower",
        "I need a refund for the {product} I returned {when}",
        "there is a payment on my statement that I do not recognise",
        "the discount code was not applied at checkout",
        "why did my subscription renew without any notice",
        "I cancelled the order but the payment is still pending",
        "the tax on my receipt looks far too high",
        "please send me a corrected invoice for order {order}",
    ],
    "delivery": [
        "my {product} still has not arrived after {days} days",
        "the tracking number for order {order} does not work",
        "the courier left the parcel at the wrong address",
        "the box arrived damaged and the {product} was dented",
        "delivery was promised for {when} but nothing came",
        "can I change the shipping address for order {order}",
        "the package was marked as delivered but it is not here",
        "only half of my order arrived, the {product} is missing",
        "shipping took {days} days instead of two",
        "the driver never rang the bell and took the parcel back",
    ],
    "technical": [
        "the app crashes every time I open my {product} settings",
        "my {product} will not connect to bluetooth",
        "the firmware update failed and now the {product} will not start",
        "I cannot pair the {product} with my phone",
        "the battery of my {product} drains in {hours} hours",
        "the screen flickers after the latest software update",
        "the {product} keeps restarting on its own",
        "the companion app shows an error code {code} when syncing",
        "the sensor on my {product} gives wrong readings",
        "the website shows a blank page when I try to log in",
    ],
    "account": [
        "I cannot reset my password, the email never arrives",
        "please delete my account and all my data",
        "someone changed the email address on my account",
        "I want to update my phone number on my profile",
        "my account was locked after {tries} login attempts",
        "how do I merge my two accounts into one",
        "I am not receiving the verification code by text",
        "please unsubscribe me from the marketing emails",
        "I cannot see my order history since {when}",
        "the two factor login keeps rejecting my code",
    ],
    "product": [
        "the {product} feels cheap and the material is thin",
        "the {product} is much smaller than the photos suggest",
        "the {product} works better than I expected",
        "the colour of the {product} is different from the picture",
        "after {days} days of use the {product} already broke",
        "the {product} is comfortable and well made",
        "the instructions for the {product} are hard to follow",
        "the {product} is noisy even on the lowest setting",
        "the quality of the {product} is excellent for the price",
        "the zipper on my {product} snapped in the first week",
    ],
}

# Phrases several classes share, so the classes overlap as real tickets do.
SHARED = [
    "I have been a customer for years",
    "this is about order {order}",
    "I already contacted support {tries} times",
    "I bought the {product} as a gift",
    "my order number is {order}",
    "I ordered the {product} {when}",
]

OPENERS = {
    "positive": ["Hi team,", "Hello,", "Good morning,", "Thanks for the quick help last time.", ""],
    "neutral": ["Hello,", "Hi,", "Dear support,", "", "Quick question:"],
    "negative": [
        "This is unacceptable.", "I am really frustrated.", "Terrible experience so far.",
        "I am very disappointed.", "Honestly this is the worst service.", "",
    ],
}

CLOSERS = {
    "positive": [
        "Thanks a lot, you have been great!", "I really appreciate your help.",
        "Overall I love the product, great job.", "Thank you, have a nice day!",
        "Happy with the service otherwise.",
    ],
    "neutral": [
        "Please let me know.", "Can you check this?", "What are my options?",
        "Let me know what you need from me.", "Thanks.",
    ],
    "negative": [
        "I want this fixed now or I will leave a bad review.", "Awful, I regret buying here.",
        "This is a disaster and nobody answers.", "Horrible support, I am furious.",
        "I am sick of waiting, fix it immediately.", "Worst purchase I have ever made.",
    ],
}

WHEN = ["yesterday", "last week", "on Monday", "two weeks ago", "last month", "this morning"]

# Native sentences in other languages: rows that validation must refuse as non-English.
FOREIGN = [
    "Mi pedido todavía no ha llegado y nadie responde a mis correos.",
    "El producto llegó roto y quiero que me devuelvan el dinero cuanto antes.",
    "No puedo iniciar sesión en mi cuenta desde hace tres días.",
    "La factura tiene un importe incorrecto, por favor revísenla.",
    "Meine Bestellung ist immer noch nicht angekommen, bitte helfen Sie mir.",
    "Das Gerät lässt sich nicht mit meinem Telefon verbinden.",
    "Ich möchte mein Konto löschen und alle meine Daten entfernen lassen.",
    "Die Rechnung ist falsch und der Betrag wurde doppelt abgebucht.",
    "Ma commande n'est toujours pas arrivée malgré le suivi.",
    "Le produit est de très mauvaise qualité et s'est cassé après une semaine.",
    "Je n'arrive pas à réinitialiser mon mot de passe depuis hier.",
    "La livraison a été faite à la mauvaise adresse, c'est inadmissible.",
    "Il mio ordine è arrivato danneggiato e voglio un rimborso.",
    "Non riesco ad accedere al mio account dopo l'aggiornamento.",
    "Mijn bestelling is nog steeds niet bezorgd, wat is er aan de hand?",
    "Het apparaat werkt niet meer na de laatste update.",
]

# Sign-offs: real tickets are signed, which also keeps two messages from being identical.
NAMES = [
    "Anna", "Ben", "Carla", "David", "Elif", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kemal",
    "Lena", "Marco", "Nadia", "Oscar", "Priya", "Quentin", "Rosa", "Sam", "Tariq", "Ute",
    "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Aiden", "Bianca", "Chen", "Dmitri", "Eva",
    "Felix", "Gita", "Hannah", "Ivan", "Julia", "Kofi", "Laura", "Mateo", "Nora",
]
