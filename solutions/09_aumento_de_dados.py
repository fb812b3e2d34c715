# %% [markdown]
# # 09 · Aumento de dados
#
# Uma rede convolucional aprende com exemplos, e exemplos rotulados custam caro. O aumento de
# dados (*data augmentation*) é o jeito mais barato de tirar mais proveito das imagens que você
# já tem: a cada época a rede vê a mesma foto um pouco diferente (espelhada, deslocada,
# girada, mais perto, com outro contraste) e aprende que essas diferenças não mudam a
# resposta. É a seção de aumento de dados do relatório do bootcamp LAMIA (veja as Fontes no
# fim), aplicada ao CIFAR-10.
#
# Você vai aprender a:
#
# - decidir se uma transformação **preserva o rótulo** de um conjunto de dados (e por que um
#   navio de ponta-cabeça não ajuda no CIFAR-10, e um 6 de ponta-cabeça atrapalha no MNIST);
# - usar as camadas `RandomFlip`, `RandomTranslation`, `RandomRotation`, `RandomZoom` e
#   `RandomContrast` do Keras: o que significa cada fator, o que faz o `fill_mode` e como a
#   semente (`seed`) torna o sorteio reproduzível;
# - verificar que essas camadas só agem no treino e são a identidade na inferência;
# - montar um *pipeline* de aumento e colocá-lo **dentro do modelo** ou **no `tf.data`**,
#   sabendo o que roda onde;
# - treinar o mesmo modelo com e sem aumento e medir a distância entre treino e validação.

# %%
import os
import tempfile
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import layers
from matplotlib.ticker import MaxNLocator

from course_utils import config, fmt
from course_utils.checks import ____
from course_utils.datasets import CIFAR10_CLASSES, load_cifar10, load_mnist
from course_utils.exercises.lesson09 import (
    TRANSFORMATIONS,
    ex1,
    ex2,
    ex3,
    ex4,
    measured_max_shift,
)
from course_utils.lessons import SEED, reference_split
from course_utils.models import build_vgg_style
from course_utils.pipelines import make_dataset
from course_utils.plots import show_images
from course_utils.progress import LiveTraining

print(config.fast_mode_line())
print(config.accelerator_line(9))

# %% [markdown]
# As escolhas do experimento ficam aqui em cima. No modo rápido a rede é menor e treina só
# duas épocas; o código é o mesmo nos dois modos.

# %%
EPOCHS = config.epochs(30, 2)
BATCH_SIZE = 64
FILTERS = (16, 32) if config.FAST else (32, 64, 128)
VAL_FRACTION = 0.1
config.set_seed(SEED)
print(f"épocas: {EPOCHS}, lote: {BATCH_SIZE}, filtros por bloco: {FILTERS}, "
      f"validação: {fmt.pct(VAL_FRACTION, 0)} do treino")

# %% [markdown]
# ## Os dados
#
# O CIFAR-10 tem fotos coloridas de 32×32 pixels em dez classes (veja a aula
# "08 · CIFAR-10"). Separamos uma parte do treino para **validação**, estratificada (cada
# classe com a mesma proporção nas duas partes) e com semente fixa; o teste fica para o fim.

# %%
(x_train_all, y_train_all), (x_test, y_test) = load_cifar10()
x_train, x_val, y_train, y_val = reference_split(x_train_all, y_train_all, VAL_FRACTION)
print("treino:", x_train.shape, x_train.dtype, "| validação:", x_val.shape,
      "| teste:", x_test.shape)

# %%
show_images(x_train[:16], titles=[CIFAR10_CLASSES[k] for k in y_train[:16]], ncols=8,
            suptitle="Algumas imagens do treino");

# %% [markdown]
# Para as demonstrações usamos uma imagem só, convertida como na aula
# "06 · MNIST, mão na massa": `float32` no intervalo $[0, 1]$, o formato que a rede recebe.

# %%
sample_index = int(np.flatnonzero(y_train == CIFAR10_CLASSES.index("cavalo"))[0])
sample = x_train[sample_index].astype("float32") / 255
print("imagem", sample_index, "do treino:", CIFAR10_CLASSES[y_train[sample_index]],
      "|", sample.shape, sample.dtype, "| valores de", fmt.num(sample.min()), "a",
      fmt.num(sample.max()))

# %% [markdown]
# ## A ideia: variações que não mudam a resposta
#
# O relatório do bootcamp resume bem: redes profundas precisam de muitos dados, e o aumento
# de dados não cria informação nova; ele pega uma imagem que você já tem e a mostra de outro
# jeito, mais perto, deslocada, girada, para a rede entender que continua sendo o mesmo
# objeto. Três consequências:
#
# - **Cada época é diferente.** As transformações são sorteadas de novo a cada vez que a
#   imagem passa pela rede, então ela quase nunca vê exatamente a mesma entrada duas vezes.
#   O número de imagens por época continua o mesmo; muda a variedade.
# - **Fica mais difícil decorar.** Uma rede que decora o treino (sobreajuste, *overfitting*)
#   aprende detalhes de cada foto, como a posição exata de um pixel. Com o aumento esses
#   detalhes mudam a cada época, e só os padrões que resistem às transformações ajudam. Por
#   isso o aumento é uma forma de **regularização**, como o *dropout* da aula
#   "10 · Normalização em lote e *dropout*".
# - **A rede só aprende as variações que você mostra.** Se as fotos de teste às vezes vêm
#   espelhadas ou um pouco deslocadas, mostrar isso no treino ajuda; se nunca vêm de
#   ponta-cabeça, treinar com fotos de ponta-cabeça só gasta capacidade da rede.
#
# Uma correção ao relatório, que diz que o aumento é especialmente útil quando o conjunto é
# pequeno **ou desequilibrado**: aplicado igualmente a todas as imagens, o aumento não muda a
# proporção entre as classes. Para desequilíbrio, as ferramentas são outras (pesos por classe
# na perda, `class_weight` no `fit`, ou repetir mais as classes raras, e aí sim o aumento
# ajuda a variar as cópias repetidas).

# %% [markdown]
# ## Camadas de aumento do Keras
#
# O Keras traz o aumento pronto como **camadas**, as camadas de pré-processamento (*preprocessing
# layers*). Elas recebem um lote de imagens `(N, altura, largura, canais)` e devolvem um lote
# do mesmo formato. Três regras valem para todas:
#
# - **cada imagem do lote sorteia a sua transformação**: um lote com várias cópias da mesma
#   imagem sai com versões diferentes, o jeito mais fácil de ver o que uma camada faz;
# - **a transformação só acontece no treino**: `layer(x, training=True)` transforma;
#   `layer(x, training=False)` devolve `x` como veio. Dentro de um modelo, o Keras passa
#   `training=True` no `fit` e `training=False` no `evaluate` e no `predict`;
# - **`seed=` fixa o sorteio**: duas camadas criadas com a mesma semente sorteiam a mesma
#   sequência, e o notebook dá os mesmos resultados toda vez que roda.
#
# A função abaixo aplica uma camada a 15 cópias de uma imagem e mostra a original seguida das
# versões sorteadas. Ela é usada em toda esta seção.


# %%
def show_augmented(layer, image, n=15, title=None):
    """Mostra `image` e `n` versões sorteadas por `layer` (em modo de treino)."""
    batch = np.repeat(image[np.newaxis], n, axis=0)
    augmented = keras.ops.convert_to_numpy(layer(batch, training=True))
    images = np.concatenate([image[np.newaxis], augmented])
    titles = ["original"] + [f"sorteio {i}" for i in range(1, n + 1)]
    return show_images(images, titles=titles, ncols=8, suptitle=title)


# %% [markdown]
# ### `RandomFlip`: espelhar
#
# `RandomFlip(mode)` espelha cada imagem com probabilidade 1/2. O `mode` diz em que direção:
# `"horizontal"` (esquerda ↔ direita), `"vertical"` (cima ↔ baixo) ou
# `"horizontal_and_vertical"`. Cuidado com o padrão, que a célula abaixo mostra: se você não
# escolher, ele usa as duas direções.

# %%
print("mode padrão do RandomFlip:", repr(layers.RandomFlip().mode))

# %% [markdown]
# E o que o padrão faz, exatamente? Aplicamos `RandomFlip()` a 64 cópias da imagem e contamos
# quantas saíram iguais a cada um dos quatro resultados possíveis:

# %%
default_flip = layers.RandomFlip(seed=SEED)
flipped = keras.ops.convert_to_numpy(
    default_flip(np.repeat(sample[np.newaxis], 64, axis=0), training=True)
)
outcomes = {
    "sem mudança": sample,
    "só espelho horizontal": sample[:, ::-1],
    "só espelho vertical": sample[::-1],
    "os dois (meia volta)": sample[::-1, ::-1],
}
counts = {name: sum(np.array_equal(image, ref) for image in flipped)
          for name, ref in outcomes.items()}
for name, count in counts.items():
    print(f"{name:<24}{count:>3} de {len(flipped)}")
print(f"→ {counts['os dois (meia volta)']} das {len(flipped)} cópias saíram de ponta-cabeça.")

# %% [markdown]
# No Keras 3 usado neste curso, o modo padrão faz **um** sorteio por imagem e, quando sai
# "espelhar", espelha nas duas direções ao mesmo tempo: a contagem só tem "sem mudança" e
# "meia volta". Ou seja, `RandomFlip()` sem argumento deixa cerca de metade das imagens de
# ponta-cabeça. Guarde isso para a próxima seção. Agora o espelho horizontal:

# %%
flip = layers.RandomFlip("horizontal", seed=SEED)
show_augmented(flip, sample, title='RandomFlip("horizontal")');

# %% [markdown]
# Cada versão tem chance 1/2 de olhar para o outro lado, e todas continuam sendo um cavalo
# perfeitamente plausível. E no espelho vertical?

# %%
flip_vertical = layers.RandomFlip("vertical", seed=SEED)
show_augmented(flip_vertical, sample, title='RandomFlip("vertical")');

# %% [markdown]
# ### Nem toda transformação preserva o rótulo
#
# O relatório do bootcamp diz que o aumento pode "deixar a imagem de ponta-cabeça". Isso
# depende do conjunto de dados: uma transformação só serve se a imagem transformada ainda é
# um exemplo **realista** da **mesma classe**. Veja algumas fotos do CIFAR-10 com os dois
# espelhos:

# %%
picked = ["navio", "caminhão", "gato", "avião", "automóvel", "cavalo"]
indices = [int(np.flatnonzero(y_train == CIFAR10_CLASSES.index(name))[0]) for name in picked]
photos = x_train[indices]
grid = np.concatenate([photos, photos[:, :, ::-1], photos[:, ::-1]])
titles = picked + ["horizontal"] * len(picked) + ["vertical"] * len(picked)
show_images(grid, titles=titles, ncols=len(picked),
            suptitle="Original (em cima), espelho horizontal, espelho vertical");

# %% [markdown]
# A linha do meio ainda parece um conjunto de fotos comuns: um caminhão indo para a esquerda
# ou para a direita é igualmente provável. A de baixo não: navios com o mar em cima, gatos de
# cabeça para baixo, caminhões com as rodas para o céu. O CIFAR-10 não tem fotos assim, nem no
# teste; treinar com elas ensina a rede a reconhecer algo que ela nunca vai precisar
# reconhecer. **No CIFAR-10, espelhe só na horizontal.**
#
# Em dígitos é pior, porque a transformação pode trocar a classe. Um 6 de ponta-cabeça
# (girado meia volta) é lido como 9:

# %%
(x_mnist, y_mnist), _ = load_mnist()
six = x_mnist[np.flatnonzero(y_mnist == 6)[0]]
nine = x_mnist[np.flatnonzero(y_mnist == 9)[0]]
show_images(np.stack([six, np.rot90(six, k=2), nine]),
            titles=["um 6", "o mesmo 6 de ponta-cabeça", "um 9 do MNIST"], ncols=3,
            figsize=(6, 2.4));

# %% [markdown]
# Uma imagem com rótulo 6 que parece um 9 é pior do que nenhuma imagem: ela ensina a
# resposta errada. A mesma pergunta vale para todo conjunto de dados: *depois desta
# transformação, uma pessoa ainda daria o mesmo rótulo, e a imagem ainda parece uma do
# conjunto?*
#
# ### Exercício 1 · O que preserva o rótulo?
#
# Para cada conjunto, CIFAR-10 e MNIST, escolha quais destas transformações preservam o
# rótulo (e produzem imagens realistas do conjunto):

# %%
for name, description in TRANSFORMATIONS.items():
    print(f"{name:<20} {description}")

# %% [markdown]
# Responda com um dicionário de conjuntos de nomes: `{"cifar10": {...}, "mnist": {...}}`.
# Se errar, a mensagem explica o porquê da primeira escolha errada.

# %%
# BEGIN SOLUTION ex1
label_preserving = {
    "cifar10": {
        "espelhar_horizontal",
        "girar_15_graus",
        "deslocar_3_pixels",
        "zoom_10",
        "contraste_20",
    },
    "mnist": {"girar_15_graus", "deslocar_3_pixels", "zoom_10", "contraste_20"},
}
# END SOLUTION
ex1.check(label_preserving)

# %%
# ex1.hint()
# ex1.solution()

# %% [markdown]
# ### `RandomTranslation`: deslocar
#
# `RandomTranslation(height_factor, width_factor)` desloca cada imagem na vertical e na
# horizontal. Os fatores são **frações do tamanho**, não pixels: `height_factor=0.2` sorteia
# um deslocamento vertical entre $-0{,}2 \cdot \text{altura}$ e $+0{,}2 \cdot \text{altura}$
# (negativo sobe, positivo desce); `width_factor` faz o mesmo com a largura (negativo para a
# esquerda). Um par `(mínimo, máximo)` no lugar do número escolhe um intervalo que não é
# simétrico.
#
# Ao deslocar, uma faixa da imagem fica vazia. O `fill_mode` decide o que entra ali:
#
# - `"reflect"`: o espelho da borda (`d c b a | a b c d | d c b a`);
# - `"wrap"`: o que saiu pelo outro lado (`a b c d | a b c d | a b c d`);
# - `"nearest"`: repete o último pixel (`a a a a | a b c d | d d d d`);
# - `"constant"`: um valor fixo, `fill_value` (0, preto, por padrão).

# %%
print("fill_mode padrão:", repr(layers.RandomTranslation(0.1, 0.1).fill_mode))
translation = layers.RandomTranslation(0.2, 0.2, seed=SEED)
show_augmented(translation, sample, title="RandomTranslation(0.2, 0.2)");

# %% [markdown]
# Para comparar os modos de preenchimento, um truque: com o intervalo `(0.25, 0.25)` o sorteio
# só tem uma saída, um deslocamento de 25 % para baixo e para a direita. A mesma imagem, o
# mesmo deslocamento, quatro preenchimentos:

# %%
fill_modes = ["reflect", "wrap", "nearest", "constant"]
shifted = [
    keras.ops.convert_to_numpy(
        layers.RandomTranslation((0.25, 0.25), (0.25, 0.25), fill_mode=mode)(
            sample[np.newaxis], training=True
        )
    )[0]
    for mode in fill_modes
]
show_images(np.stack([sample] + shifted), titles=["original"] + fill_modes, ncols=5,
            figsize=(8, 2.2));

# %% [markdown]
# `"reflect"` costuma ser o menos estranho para fotos; `"constant"` deixa uma faixa preta que
# nenhuma foto do CIFAR-10 tem. Com deslocamentos pequenos a diferença quase some.
#
# ### Exercício 2 · Quantos pixels?
#
# Você quer deslocamentos de **no máximo** `max_pixels` pixels numa imagem de `size` pixels
# de lado. Escreva `translation_factor(max_pixels, size)`, que devolve o fator para o
# `RandomTranslation`. O `check` testa vários tamanhos e, se o fator passar do limite, mede
# com o próprio Keras quantos pixels ele desloca.


# %%
def translation_factor(max_pixels, size):
    """Fator do RandomTranslation que desloca no máximo `max_pixels` numa imagem de `size`."""
    # BEGIN SOLUTION ex2
    return max_pixels / size
    # END SOLUTION


ex2.check(translation_factor)

# %%
# ex2.hint()
# ex2.solution()

# %% [markdown]
# Daqui em diante o deslocamento máximo é `MAX_SHIFT` pixels, definido abaixo. Para conferir
# com o Keras, `measured_max_shift` (de `course_utils.exercises.lesson09`) põe um único pixel
# branco no centro de uma imagem preta, aplica o `RandomTranslation` a várias cópias e mede o
# maior deslocamento do pixel:

# %%
MAX_SHIFT = 4
shift_factor = MAX_SHIFT / 32
samples = 256
print(f"fator: {shift_factor} | maior deslocamento medido em {samples} sorteios: "
      f"{measured_max_shift(shift_factor, size=32, samples=samples)} pixels")

# %% [markdown]
# ### `RandomRotation`: girar
#
# `RandomRotation(factor)` gira cada imagem em torno do centro. O fator é uma **fração de uma
# volta completa**, não graus: `factor=0.05` sorteia um ângulo entre $-0{,}05 \cdot 360°$ e
# $+0{,}05 \cdot 360°$. Um engano comum é passar graus: `factor=15` não quer dizer 15°.

# %%
for factor in (0.02, 0.05, 0.25, 0.5):
    print(f"factor={factor:<5} → ângulos de −{fmt.num(factor * 360)}° a +{fmt.num(factor * 360)}°")

# %%
rotation = layers.RandomRotation(0.05, seed=SEED)
print("fill_mode padrão:", repr(rotation.fill_mode))
show_augmented(rotation, sample, title="RandomRotation(0.05)");

# %% [markdown]
# Os cantos que ficam vazios ao girar são preenchidos pelo `fill_mode`, como na translação.
# Repare que `factor=0.5` sorteia até meia volta: é o "de
# ponta-cabeça" que você acabou de descartar para o CIFAR-10.
#
# ### `RandomZoom`: aproximar e afastar
#
# `RandomZoom(height_factor, width_factor=None)` também usa frações, com um sinal que
# confunde: **positivo afasta** (a imagem fica menor e a borda é preenchida pelo `fill_mode`)
# e **negativo aproxima** (a imagem é ampliada e as bordas são cortadas). Um número só, como
# `0.2`, sorteia entre $-20\,\%$ e $+20\,\%$. Com `width_factor=None` a largura acompanha a
# altura e a proporção da imagem se mantém; com um valor próprio, cada eixo sorteia o seu
# zoom e a imagem pode ficar esticada.

# %%
zoom_in = layers.RandomZoom((-0.3, -0.3))(sample[np.newaxis], training=True)
zoom_out = layers.RandomZoom((0.3, 0.3))(sample[np.newaxis], training=True)
show_images(np.stack([sample, keras.ops.convert_to_numpy(zoom_in)[0],
                      keras.ops.convert_to_numpy(zoom_out)[0]]),
            titles=["original", "fator −0,3 (aproxima)", "fator +0,3 (afasta)"], ncols=3,
            figsize=(6, 2.4));

# %%
zoom = layers.RandomZoom(0.2, seed=SEED)
show_augmented(zoom, sample, title="RandomZoom(0.2)");

# %% [markdown]
# ### `RandomContrast`: contraste
#
# As camadas anteriores mudam **onde** estão os pixels; `RandomContrast(factor)` muda os
# **valores**. Para cada imagem ele sorteia $c$ entre $1 - \text{factor}$ e
# $1 + \text{factor}$ e, em cada canal, afasta ($c > 1$) ou aproxima ($c < 1$) cada pixel da
# média $\mu$ do canal:
#
# $$x' = (x - \mu) \cdot c + \mu$$
#
# Com $c > 1$, pixels claros podem passar de 1 e escuros podem ficar abaixo de 0. A camada
# corta o resultado no intervalo `value_range`, e o padrão desse intervalo é `(0, 255)`,
# pensado para imagens `uint8`. As nossas estão em $[0, 1]$:

# %%
print("value_range padrão:", layers.RandomContrast(0.5).value_range)
batch = np.repeat(sample[np.newaxis], 64, axis=0)
for value_range in [(0, 255), (0, 1)]:
    out = keras.ops.convert_to_numpy(
        layers.RandomContrast(0.5, value_range=value_range, seed=SEED)(batch, training=True)
    )
    print(f"value_range={value_range}: valores de {fmt.num(out.min(), 3)} a "
          f"{fmt.num(out.max(), 3)}")

# %% [markdown]
# Com o padrão, os valores escapam de $[0, 1]$ (veja o máximo da primeira linha); com
# `value_range=(0, 1)` eles ficam no intervalo que a rede espera. **Sempre passe o
# `value_range` das suas imagens.**

# %%
contrast = layers.RandomContrast(0.5, value_range=(0, 1), seed=SEED)
show_augmented(contrast, sample, title="RandomContrast(0.5, value_range=(0, 1))");

# %% [markdown]
# ### Só no treino
#
# Na inferência (avaliar, prever) não queremos sorteio nenhum: a mesma imagem deve receber a
# mesma resposta. Por isso todas essas camadas, com `training=False`, devolvem a entrada sem
# mudança. Conferindo com as camadas desta seção, num lote de imagens reais:

# %%
x_batch = x_train[:32].astype("float32") / 255
demo_layers = [flip, translation, rotation, zoom, contrast]
for layer in demo_layers:
    at_inference = keras.ops.convert_to_numpy(layer(x_batch, training=False))
    in_training = keras.ops.convert_to_numpy(layer(x_batch, training=True))
    print(f"{type(layer).__name__:<18} training=False igual à entrada: "
          f"{np.array_equal(at_inference, x_batch)!s:<6}| training=True igual à entrada: "
          f"{np.array_equal(in_training, x_batch)}")

# %% [markdown]
# Atenção a um detalhe: chamada **fora** de um modelo e sem `training=`, a camada
# transforma, como se estivesse treinando. A célula abaixo mostra. Dentro de `fit`,
# `evaluate` e `predict` o Keras cuida disso sozinho.

# %%
called_plainly = keras.ops.convert_to_numpy(rotation(x_batch))
print("rotation(x) sem training= mudou as imagens?", not np.array_equal(called_plainly, x_batch))

# %% [markdown]
# ## Um *pipeline* de aumento
#
# Na prática você encadeia várias camadas num `keras.Sequential`: cada imagem passa por todas,
# cada uma com o seu sorteio. Dê a cada camada uma semente **diferente** (`seed`, `seed + 1`,
# ...): com a mesma semente, camadas do mesmo tipo sorteariam números iguais, e as
# transformações ficariam amarradas umas às outras.
#
# ### Exercício 3 · O seu *pipeline*
#
# Escreva `make_augmentation(seed)`, que devolve um *pipeline* de aumento para o CIFAR-10 (um
# `keras.Sequential` com pelo menos duas camadas `Random...`, ou uma função
# `f(images, training)`). O `check` aplica o seu *pipeline* a um lote `float32` em $[0, 1]$ e
# confere que:
#
# - a saída tem o mesmo formato, dtype `float32` e valores em $[0, 1]$;
# - duas chamadas no treino dão resultados diferentes, e dois *pipelines* criados com a mesma
#   semente dão o mesmo resultado;
# - com `training=False` as imagens saem iguais;
# - nenhuma imagem sai de ponta-cabeça (lembre do exercício 1).


# %%
def make_augmentation(seed):
    """Pipeline de aumento para imagens do CIFAR-10 em [0, 1]."""
    # BEGIN SOLUTION ex3
    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seed),
            layers.RandomTranslation(0.1, 0.1, seed=seed + 1),
            layers.RandomContrast(0.3, value_range=(0, 1), seed=seed + 2),
        ]
    )
    # END SOLUTION


ex3.check(make_augmentation)

# %%
# ex3.hint()
# ex3.solution()

# %% tags=["solution"]
show_augmented(make_augmentation(SEED), sample, title="O pipeline da solução do exercício 3");

# %% [markdown]
# O *pipeline* que o resto da aula usa junta as cinco camadas, com transformações moderadas:
# espelho horizontal, deslocamento de até `MAX_SHIFT` pixels, rotação pequena, zoom de até
# 10 % e contraste de até 20 %.


# %%
def build_augmentation(seed=SEED):
    """O pipeline de aumento da aula, para imagens 32×32 em [0, 1]."""
    return keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seed),
            layers.RandomTranslation(shift_factor, shift_factor, seed=seed + 1),
            layers.RandomRotation(0.03, seed=seed + 2),
            layers.RandomZoom(0.1, seed=seed + 3),
            layers.RandomContrast(0.2, value_range=(0, 1), seed=seed + 4),
        ],
        name="aumento",
    )


augmentation = build_augmentation()
print(f"rotação máxima: {fmt.num(0.03 * 360)} graus | deslocamento máximo: {MAX_SHIFT} pixels")

# %% [markdown]
# Oito imagens do treino (primeira linha) e duas passagens pelo *pipeline* (as outras duas):

# %%
originals = x_train[:8].astype("float32") / 255
first_pass = keras.ops.convert_to_numpy(augmentation(originals, training=True))
second_pass = keras.ops.convert_to_numpy(augmentation(originals, training=True))
show_images(np.concatenate([originals, first_pass, second_pass]), ncols=8,
            suptitle="Originais, 1ª passagem, 2ª passagem");

# %% [markdown]
# ## Dentro do modelo ou no `tf.data`?
#
# O mesmo *pipeline* pode entrar em dois lugares, e a escolha muda **onde** ele roda.
#
# | | dentro do modelo | no `tf.data` |
# | --- | --- | --- |
# | onde roda | no dispositivo do modelo (GPU/TPU), em cada passo | na CPU, em paralelo com o treino |
# | vai no modelo salvo? | sim, faz parte do `.keras` | não, o arquivo só tem a rede |
# | treino × inferência | automático: `fit` liga; `evaluate`, `predict` desligam | você aplica só no treino |
# | custo | o acelerador espera o aumento a cada passo | escondido se a CPU der conta |
#
# Por que isso importa numa GPU ou TPU? O acelerador é a peça cara e rápida, e o objetivo é
# que ele nunca fique parado. No `tf.data` com `prefetch`, se a CPU leva $t_\text{CPU}$ para
# preparar um lote e o acelerador leva $t_\text{acel}$ para treinar com ele, cada passo leva
# cerca de $\max(t_\text{CPU}, t_\text{acel})$ em vez de $t_\text{CPU} + t_\text{acel}$: as
# duas coisas acontecem ao mesmo tempo. Se a CPU for lenta (ou o aumento, pesado),
# $t_\text{CPU}$ passa a mandar e o acelerador fica esperando: o gargalo vira a entrada de
# dados. Dentro do modelo o aumento aproveita a velocidade da
# GPU em lotes grandes e não depende de uma CPU forte, mas soma o seu tempo ao de cada passo.
# O guia de camadas de pré-processamento do Keras recomenda: na GPU, as camadas de imagem
# podem ir dentro do modelo; na TPU, ponha-as sempre no `tf.data`; só na CPU (como nos
# testes deste curso), as duas opções rodam no mesmo processador.
#
# ### Dentro do modelo
#
# `build_vgg_style` (a rede VGG-style da aula "08 · CIFAR-10") aceita o *pipeline* no argumento
# `augmentation` e o põe logo depois da entrada:

# %%
model_inside = build_vgg_style(filters=FILTERS, augmentation=build_augmentation())
print([layer.name for layer in model_inside.layers[:4]], "...")
print("parâmetros do pipeline de aumento:", model_inside.get_layer("aumento").count_params())

# %% [markdown]
# O aumento não tem pesos: é uma camada sem parâmetros na frente da rede. Como ele só age no
# treino, `predict` dá sempre a mesma resposta para a mesma imagem, enquanto uma chamada com
# `training=True` (o que o `fit` faz) sorteia de novo:

# %%
probs_1 = model_inside.predict(x_batch, verbose=0)
probs_2 = model_inside.predict(x_batch, verbose=0)
train_1 = keras.ops.convert_to_numpy(model_inside(x_batch, training=True))
train_2 = keras.ops.convert_to_numpy(model_inside(x_batch, training=True))
print("predict duas vezes: iguais?", np.array_equal(probs_1, probs_2))
print("training=True duas vezes: iguais?", np.array_equal(train_1, train_2))

# %% [markdown]
# E o *pipeline* vai junto quando você salva o modelo:

# %%
path = os.path.join(tempfile.mkdtemp(), "com_aumento.keras")
model_inside.save(path)
reloaded = keras.models.load_model(path)
print("camadas do modelo carregado:", [layer.name for layer in reloaded.layers[:3]], "...")
print("mesmas previsões?", np.allclose(reloaded.predict(x_batch, verbose=0), probs_1))

# %% [markdown]
# ### No `tf.data`
#
# `course_utils.pipelines.make_dataset` monta o *pipeline* de entrada das aulas 08 a 10: escala
# para $[0, 1]$, guarda em cache, embaralha, forma os lotes, aplica `augment` (se você passar
# um) com `training=True` em cada lote e faz o `prefetch`. O aumento entra no conjunto de
# **treino**; a validação continua sem aumento.

# %%
train_plain = make_dataset(x_train, y_train, BATCH_SIZE, shuffle=True, seed=SEED)
train_augmented = make_dataset(x_train, y_train, BATCH_SIZE, shuffle=True,
                               augment=build_augmentation(), seed=SEED)
print("lotes por época, sem aumento:", train_plain.cardinality().numpy(),
      "| com aumento:", train_augmented.cardinality().numpy())

# %% [markdown]
# O mesmo número de lotes: o aumento não cria imagens a mais, troca as que já existem por
# variações. E a cada época (a cada passada pelo conjunto) as variações mudam. As mesmas
# imagens em duas épocas seguidas, usando um conjunto sem embaralhar para que elas venham na
# mesma ordem:

# %%
first_eight = make_dataset(x_train[:8], y_train[:8], batch_size=8,
                           augment=build_augmentation())
epoch_1 = next(iter(first_eight))[0].numpy()
epoch_2 = next(iter(first_eight))[0].numpy()
print("época 1 igual à época 2?", np.array_equal(epoch_1, epoch_2),
      "| dtype:", epoch_1.dtype, "| valores de", fmt.num(epoch_1.min()), "a",
      fmt.num(epoch_1.max()))
show_images(np.concatenate([epoch_1, epoch_2]), ncols=8,
            suptitle="As mesmas 8 imagens na época 1 (em cima) e na época 2 (embaixo)");

# %% [markdown]
# Quanto custa o aumento na CPU? Medimos uma passada completa pelo treino, com e sem aumento
# (depois de uma primeira passada, que enche o cache):

# %%
def time_one_pass(dataset):
    """Segundos para percorrer `dataset` uma vez, sem treinar nada."""
    start = time.perf_counter()
    for _ in dataset:
        pass
    return time.perf_counter() - start


for name, dataset in (("sem aumento", train_plain), ("com aumento", train_augmented)):
    time_one_pass(dataset)  # enche o cache
    print(f"{name}: {fmt.num(time_one_pass(dataset), 2)} s por época, só para preparar os lotes")

# %% [markdown]
# Esse é o tempo de CPU que o `prefetch` tenta esconder atrás do treino. Numa GPU, enquanto
# ele for menor que o tempo de treino de uma época, o aumento sai praticamente de graça.

# %% [markdown]
# ## Com e sem aumento
#
# Agora o experimento: o **mesmo** modelo, `build_vgg_style` com os filtros de `FILTERS`, sem
# *dropout* e sem normalização em lote (*batch normalization*), que ficam para a aula
# "10 · Normalização em lote e *dropout*"; as **mesmas** sementes, o **mesmo** número de
# épocas e os mesmos dados. A única diferença é o *pipeline* de aumento, aqui dentro do
# modelo. `config.set_seed(SEED)` antes de cada treino faz os dois modelos começarem com os
# mesmos pesos e verem os lotes na mesma ordem. Conferindo os pesos iniciais:

# %%
config.set_seed(SEED)
initial_plain = build_vgg_style(filters=FILTERS).get_weights()
config.set_seed(SEED)
initial_aug = build_vgg_style(filters=FILTERS, augmentation=build_augmentation()).get_weights()
print("mesmos pesos iniciais?", len(initial_plain) == len(initial_aug)
      and all(np.array_equal(a, b) for a, b in zip(initial_plain, initial_aug)))

# %%
val_ds = make_dataset(x_val, y_val, BATCH_SIZE)
test_ds = make_dataset(x_test, y_test, BATCH_SIZE)


def train_model(with_augmentation):
    """Treina a rede da aula, com ou sem aumento; devolve (modelo, history.history, segundos)."""
    config.set_seed(SEED)
    model = build_vgg_style(
        filters=FILTERS,
        augmentation=build_augmentation() if with_augmentation else None,
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    train_ds = make_dataset(x_train, y_train, BATCH_SIZE, shuffle=True, seed=SEED)
    start = time.perf_counter()
    # shuffle=False: quem embaralha é o tf.data (veja a aula 08); LiveTraining desenha as
    # curvas numa figura só, atualizada a cada época, em vez de uma linha por época
    history = model.fit(train_ds, validation_data=val_ds, epochs=EPOCHS, shuffle=False,
                        verbose=0, callbacks=[LiveTraining()])
    return model, history.history, time.perf_counter() - start


# %%
model_plain, history_plain, seconds_plain = train_model(with_augmentation=False)
print(f"sem aumento: {fmt.num(seconds_plain, 1)} s")

# %%
model_aug, history_aug, seconds_aug = train_model(with_augmentation=True)
print(f"com aumento: {fmt.num(seconds_aug, 1)} s")

# %% [markdown]
# As curvas lado a lado, com os eixos verticais iguais para comparar as alturas:

# %%
runs = {"sem aumento": history_plain, "com aumento": history_aug}
fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), sharey="row", layout="constrained")
for col, (title, hist) in enumerate(runs.items()):
    epoch_axis = np.arange(1, len(hist["loss"]) + 1)
    for row, (key, label) in enumerate((("loss", "perda"), ("accuracy", "acurácia"))):
        ax = axes[row, col]
        ax.plot(epoch_axis, hist[key], marker="o", markersize=3, label="treino")
        ax.plot(epoch_axis, hist[f"val_{key}"], marker="o", markersize=3, label="validação")
        ax.set_title(f"{title}: {label}")
        ax.set_xlabel("época")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(fmt.tick_formatter())
        if col == 0:
            ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()

# %% [markdown]
# ### Exercício 4 · A distância entre treino e validação
#
# Uma medida simples de sobreajuste é o **vão** (*generalization gap*) entre as duas
# acurácias da **última** época:
#
# $$\text{vão} = \text{acurácia de treino} - \text{acurácia de validação}$$
#
# Um vão grande e crescente quer dizer que a rede vai bem nas imagens que viu e pior nas que
# não viu. Um vão negativo também acontece (veja a explicação na aula
# "06 · MNIST, mão na massa": as métricas de treino são a média de uma época em que a rede
# ainda estava aprendendo). Escreva `overfitting_gap(history)`, que recebe o dicionário
# `history.history` de um `fit` e devolve o vão.


# %%
def overfitting_gap(history):
    """Acurácia de treino menos a de validação, na última época de `history`."""
    # BEGIN SOLUTION ex4
    return history["accuracy"][-1] - history["val_accuracy"][-1]
    # END SOLUTION


ex4.check(overfitting_gap)

# %%
# ex4.hint()
# ex4.solution()

# %% [markdown]
# Para ter uma referência, o modelo do relatório do bootcamp (5 épocas no CIFAR-10 completo)
# terminou assim; os números abaixo são os do log de treino do relatório:

# %%
lecture_log = {
    "accuracy": [0.3669, 0.5754, 0.6467, 0.6933, 0.7343],
    "val_accuracy": [0.5572, 0.6243, 0.6483, 0.6889, 0.6909],
}
lecture_gap = lecture_log["accuracy"][-1] - lecture_log["val_accuracy"][-1]
print(f"relatório: treino {fmt.pct(lecture_log['accuracy'][-1])}, validação "
      f"{fmt.pct(lecture_log['val_accuracy'][-1])}, vão de {fmt.num(100 * lecture_gap, 1)} "
      "pontos percentuais")

# %% [markdown]
# Agora os nossos dois modelos. A célula calcula o vão de cada um e escreve a comparação a
# partir dos números, sejam eles quais forem:

# %%
summary = {}
for name, hist in runs.items():
    summary[name] = {
        "treino": hist["accuracy"][-1],
        "validação": hist["val_accuracy"][-1],
        "vão": hist["accuracy"][-1] - hist["val_accuracy"][-1],
    }
    gap_points = 100 * summary[name]["vão"]
    print(f"{name:>12}: treino {fmt.pct(summary[name]['treino'])} | validação "
          f"{fmt.pct(summary[name]['validação'])} | vão "
          f"{'+' if gap_points > 0 else ''}{fmt.num(gap_points, 1)} pontos")

gap_change = 100 * (summary["com aumento"]["vão"] - summary["sem aumento"]["vão"])
val_change = 100 * (summary["com aumento"]["validação"] - summary["sem aumento"]["validação"])
print()
print(f"Depois de {EPOCHS} época(s), o vão com aumento ficou "
      + (f"{fmt.num(-gap_change, 1)} pontos percentuais MENOR" if gap_change < 0 else
         f"{fmt.num(gap_change, 1)} pontos percentuais MAIOR" if gap_change > 0 else "IGUAL")
      + " que sem aumento, e a acurácia de validação "
      + (f"SUBIU {fmt.num(val_change, 1)} pontos." if val_change > 0 else
         f"CAIU {fmt.num(-val_change, 1)} pontos." if val_change < 0 else "ficou IGUAL."))

# %% [markdown]
# E no teste, que nenhum dos dois viu (o `evaluate` desliga o aumento sozinho):

# %%
for name, model in (("sem aumento", model_plain), ("com aumento", model_aug)):
    test_loss, test_accuracy = model.evaluate(test_ds, verbose=0)
    print(f"{name:>12}: acurácia no teste {fmt.pct(test_accuracy)} (perda {fmt.num(test_loss, 3)})")

# %% [markdown]
# ### Como ler o resultado
#
# Leia os números e a frase que as células acima escreveram, e não o que você esperava ver.
# Alguns pontos para interpretá-los:
#
# - **O aumento deixa o treino mais difícil.** A rede com aumento quase nunca vê a mesma imagem
#   duas vezes, então a acurácia de treino dela costuma subir mais devagar. Um vão menor pode
#   vir de uma validação melhor ou só de um treino pior; compare também as acurácias de
#   validação e de teste, não só o vão.
# - **Com poucas épocas o aumento pode ainda não ajudar.** No começo as duas redes estão
#   aprendendo o básico e nenhuma teve tempo de decorar o treino. O benefício do aumento
#   aparece quando a rede sem aumento começa a sobreajustar: a perda de validação dela para
#   de cair (ou sobe) enquanto a de treino continua caindo. Com aumento, essa virada costuma
#   vir mais tarde, e por isso o aumento pede mais épocas de treino.
# - **No modo rápido, não tire conclusões.** Ele treina uma rede pequena por poucas épocas
#   com uma amostra pequena; serve só para o notebook rodar. Para o experimento de verdade,
#   rode a aula com o modo rápido desligado (`EPOCHS` vale 30 e a rede tem três blocos) e
#   leia de novo as frases e as curvas.
# - **Uma rodada é uma amostra.** Com outra semente os números mudam um pouco; uma
#   diferença de um ou dois pontos percentuais entre duas rodadas pode ser só sorte.

# %% [markdown]
# ## O que você aprendeu
#
# - O aumento de dados mostra variações das imagens que você já tem, sorteadas de novo a
#   cada época; não cria informação nova e funciona como regularização.
# - Uma transformação só serve se preserva o rótulo **e** gera imagens realistas do
#   conjunto: no CIFAR-10, espelho horizontal sim, de ponta-cabeça não; no MNIST, nenhum
#   espelho (um 6 de ponta-cabeça vira 9).
# - `RandomFlip(mode)` (sem `mode`, o padrão deixa metade das imagens de ponta-cabeça),
#   `RandomTranslation` e `RandomZoom` (fatores são frações do tamanho; no zoom, positivo
#   afasta), `RandomRotation` (fração de uma volta) e `RandomContrast` (passe
#   `value_range=(0, 1)` para imagens em $[0, 1]$); o `fill_mode` preenche o que fica vazio;
#   `seed=` torna o sorteio reproduzível.
# - As camadas de aumento só agem com `training=True`; com `training=False` (no `evaluate`
#   e no `predict`) são a identidade.
# - Dentro do modelo, o aumento roda no acelerador e vai junto no modelo salvo; no
#   `tf.data`, roda na CPU em paralelo com o treino (`prefetch`) e mantém o acelerador
#   ocupado. Na TPU, use o `tf.data`.
# - Para saber se o aumento ajudou, treine o mesmo modelo com e sem ele, com as mesmas
#   sementes e épocas, e compare as curvas, o vão entre treino e validação e o teste.
#
# ## De onde vem e o que ler a seguir
#
# Esta aula desenvolve a seção de aumento de dados (*Data Augmentation*) do relatório do
# bootcamp LAMIA, sobre o CIFAR-10 que o mesmo relatório treina. O relatório fala em deixar
# a imagem de ponta-cabeça e em usar o aumento contra o desequilíbrio de classes; aqui você
# viu quando a primeira ideia falha e por que a segunda precisa de outras ferramentas. O
# modelo e os dados vêm da aula "08 · CIFAR-10". Os termos técnicos seguem o
# [glossário do curso](https://github.com/cnn-curso-ptbr/curso-cnn/blob/main/docs/glossario.md).
#
# A próxima aula, "10 · Normalização em lote e *dropout*", segue o mesmo relatório: mais duas
# ferramentas contra o sobreajuste e para um treino mais estável, que você pode combinar com
# o aumento de dados desta aula.
#
# ### Fontes
#
# - Jefferson Korte Junior. *Relatório — Card 16: Prática: Redes Neurais Convolucionais 2
#   (Deep Learning)*. Bootcamp LAMIA.
# - Keras. *Working with preprocessing layers* (guia das camadas de pré-processamento),
#   keras.io/guides/preprocessing_layers.
# - Connor Shorten e Taghi M. Khoshgoftaar. *A survey on Image Data Augmentation for Deep
#   Learning*. Journal of Big Data, 2019.
